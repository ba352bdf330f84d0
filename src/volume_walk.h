/* The walk below a volume's top directory: depth first, one directory descriptor open per
 * walker, every entry inspected by name and changed without following a link, never
 * leaving the top's mount. Shared by a few walkers, each taking whole subtrees. */
#ifndef WARDEN_VOLUME_WALK_H
#define WARDEN_VOLUME_WALK_H

#include <pthread.h>
#include <stdbool.h>
#include <time.h>

#include "volume_dir.h"
#include "volume_stat.h"
#include "volumes.h"

/* One volume, shared by its walkers. */
struct volume_job {
    const char *root_path;
    const struct volume_options *opts;
    int root_fd;
    struct node root;     /* the top directory: its mount is the walk's mount */
    struct dir_names top; /* the top's names, handed out one at a time */
    pthread_mutex_t lock; /* guards the fields below and top */
    bool stop;            /* a fatal error: every walker stops */
    unsigned long warnings, checked;
    struct timespec started, last_progress;
};

/* One directory on the way down: its identity, to check ".." against on the way back up,
 * and the names it held when it was read. */
struct frame {
    uint64_t ino;
    uint32_t dev_major, dev_minor;
    const char *entered_as; /* its name in the parent frame's names */
    struct dir_names names;
};

struct walker {
    struct volume_job *job;
    struct frame *frames; /* the subtree being walked, below the top */
    size_t depth, capacity;
    struct volume_stats stats;
};

bool walk_needs_change(const struct volume_job *job, const struct node *n);

/* Changes the directory fd, whose identity (read through fd) is now, if it differs. */
int walk_change_directory(struct walker *w, int fd, const struct node *now, const char *name);

/* Walks everything below the top (already opened in job), with a few walkers; adds their
 * counts to stats. Returns 0, or -1 after a fatal error (logged). */
int walk_below_top(struct volume_job *job, struct volume_stats *stats);

#endif
