/* The walk below a volume's top directory. Directories wait in a short list of tasks that
 * a few walkers share (volume_sched.c); a walker takes a handful of names at a time, and
 * goes down depth first on its own, one descriptor open, once the list is full. Every entry
 * is inspected by name and changed without following a link, never leaving the top's mount. */
#ifndef WARDEN_VOLUME_WALK_H
#define WARDEN_VOLUME_WALK_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <time.h>

#include "volume_dir.h"
#include "volume_pool.h"
#include "volume_stat.h"
#include "volumes.h"

struct task;

/* One walker: a thread's share of the walk. */
struct walker {
    struct volume_job *job;
    const char *base;     /* the task's directory, below the top (NULL for the top) */
    struct frame *frames; /* the subtree being walked depth first, below base */
    size_t depth, capacity;
    struct volume_stats stats;
    unsigned long reported_checked, reported_changed;
};

/* One volume, shared by its walkers. */
struct volume_job {
    const char *root_path;
    const struct volume_options *opts;
    int root_fd;
    /* The pre-walk (volumes.c) changes nothing: an entry it finds that the walk could not
     * change stops it. Owners not mapped in this user namespace show as the overflow ids. */
    bool check_only;
    uint32_t overflow_uid, overflow_gid;
    struct node root;     /* the top directory: its mount is the walk's mount */
    pthread_mutex_t lock; /* guards everything below */
    pthread_cond_t wake;  /* a task was added, or the last busy walker finished */
    atomic_int stop;      /* a fatal error: every walker stops (read without the lock); an int,
                           * which every architecture exchanges without libatomic */
    unsigned long warnings;
    unsigned long checked, changed; /* so far, as walkers report now and then */
    struct timespec started, last_progress;
    bool shown_progress;
    struct task *tasks; /* directories with names not yet handed out, newest first */
    size_t open_tasks;  /* tasks holding a descriptor */
    size_t busy;        /* walkers at work */
    bool helpers_started;
    struct pool pool;
    struct walker helpers[POOL_MAX];
};

/* One directory on the way down: its identity, to check ".." against on the way back up,
 * and the names it held when it was read. */
struct frame {
    uint64_t ino;
    uint32_t dev_major, dev_minor;
    const char *entered_as; /* its name in the parent frame's names */
    struct dir_names names;
};

/* Visits name in the directory fd. On a directory to go into (changed already), *child
 * gets its descriptor and child_node its identity; otherwise *child is -1. Returns 0, or
 * -1 when the job must stop. */
int walk_visit(struct walker *w, int fd, const char *name, int *child, struct node *child_node);

/* Walks everything below the directory fd (taken over and closed), entered as name. */
int walk_subtree(struct walker *w, int fd, const struct node *dir, const char *name);

bool walk_should_stop(struct volume_job *job);

/* Called by walkers now and then, lock held: starts the helpers once the walk turns out to
 * be large. */
void walk_grow(struct volume_job *job);

/* Walks everything below the top (job->root_fd, not changed here) with one walker, and
 * more once the tree turns out to be large; adds their counts to stats. Returns 0, or -1
 * after a fatal error (logged). */
int walk_below_top(struct volume_job *job, struct volume_stats *stats);

#endif
