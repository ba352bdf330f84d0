#include "volume_walk.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "volume_pool.h"
#include "volume_report.h"

#define DIR_FLAGS (O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)

static bool same_mount(const struct volume_job *job, const struct node *n)
{
    return n->mnt_id == job->root.mnt_id && n->dev_major == job->root.dev_major &&
           n->dev_minor == job->root.dev_minor;
}

bool walk_needs_change(const struct volume_job *job, const struct node *n)
{
    return n->uid != job->opts->uid || n->gid != job->opts->gid;
}

static bool should_stop(struct volume_job *job)
{
    pthread_mutex_lock(&job->lock);
    bool stop = job->stop;
    pthread_mutex_unlock(&job->lock);
    return stop;
}

/* A directory is changed through its own open descriptor, once its identity (now, read
 * through fd) matches what was looked at by name. */
int walk_change_directory(struct walker *w, int fd, const struct node *now, const char *name)
{
    if (!walk_needs_change(w->job, now))
        return 0;
    if (fchown(fd, w->job->opts->uid, w->job->opts->gid) != 0)
        return report_failed(w, name, "change the owner of", errno);
    w->stats.changed++;
    return 0;
}

static int push_frame(struct walker *w, int fd, const struct node *dir, const char *entered_as)
{
    if (w->depth == w->capacity) {
        size_t capacity = w->capacity ? w->capacity * 2 : 64;
        struct frame *grown = realloc(w->frames, capacity * sizeof(*grown));
        if (!grown)
            return -1;
        w->frames = grown;
        w->capacity = capacity;
    }
    struct frame *f = &w->frames[w->depth];
    f->ino = dir->ino;
    f->dev_major = dir->dev_major;
    f->dev_minor = dir->dev_minor;
    f->entered_as = entered_as;
    if (dir_read_names(fd, &f->names) != 0)
        return -1;
    w->depth++;
    return 0;
}

/* Back to the parent through "..", checking it is the directory that was left: if the
 * tree was moved meanwhile, ".." could lead outside the volume. */
static int pop_frame(struct walker *w, int *fd)
{
    dir_names_free(&w->frames[--w->depth].names);
    if (w->depth == 0) {
        close(*fd);
        *fd = -1;
        return 0;
    }
    int parent = openat(*fd, "..", DIR_FLAGS);
    int err = errno;
    close(*fd);
    *fd = -1;
    struct node seen;
    const struct frame *expected = &w->frames[w->depth - 1];
    if (parent < 0 || node_stat(parent, "", &seen) != 0 || seen.ino != expected->ino ||
        seen.dev_major != expected->dev_major || seen.dev_minor != expected->dev_minor) {
        if (parent >= 0)
            close(parent);
        report_stop(w->job, NULL,
                    "--chown %s: the volume was moved or changed during the walk (%s); stopped",
                    w->job->root_path, parent < 0 ? strerror(err) : "parent directory differs");
        return -1;
    }
    *fd = parent;
    return 0;
}

/* A non-directory: changed through the parent's descriptor, never following a link: a
 * link is re-owned itself, and a fifo or device is never opened. */
static int change_other(struct walker *w, int fd, const char *name, const struct node *n)
{
    if (!walk_needs_change(w->job, n))
        return 0;
    if (S_ISREG(n->mode) && n->nlink > 1) {
        /* A hard link may be a file from outside the volume (CVE-2017-18078-style). */
        report_skipped(w, name, "regular file with more than one hard link");
        return 0;
    }
    if (fchownat(fd, name, w->job->opts->uid, w->job->opts->gid, AT_SYMLINK_NOFOLLOW) != 0) {
        if (errno == ENOENT)
            return 0;
        return report_failed(w, name, "change the owner of", errno);
    }
    w->stats.changed++;
    return 0;
}

/* Opens the directory name (seen as n) and checks it is still what was seen. */
static int enter_directory(struct walker *w, int fd, const char *name, const struct node *n,
                           int *child, struct node *child_node)
{
    int dir = openat(fd, name, DIR_FLAGS);
    if (dir < 0) {
        if (errno == ENOENT || errno == ELOOP || errno == ENOTDIR) {
            report_skipped(w, name, "it changed while warden was looking at it");
            return 0;
        }
        return report_failed(w, name, "open", errno);
    }
    if (node_stat(dir, "", child_node) != 0) {
        close(dir);
        return report_failed(w, name, "inspect", errno);
    }
    if (child_node->ino != n->ino || !same_mount(w->job, child_node)) {
        close(dir);
        report_skipped(w, name, "it changed while warden was looking at it");
        return 0;
    }
    if (walk_change_directory(w, dir, child_node, name) != 0) {
        close(dir);
        return -1;
    }
    *child = dir;
    return 0;
}

/* Visits one name of the directory fd; on a directory to enter, *child gets its fd. */
static int visit(struct walker *w, int fd, const char *name, int *child, struct node *child_node)
{
    struct node n;
    *child = -1;
    w->stats.checked++;
    report_progress(w);
    if (node_stat(fd, name, &n) != 0) {
        if (errno == ENOENT) /* gone since the directory was read */
            return 0;
        return report_failed(w, name, "inspect", errno);
    }
    if (!same_mount(w->job, &n)) {
        w->stats.skipped++;
        log_debug("--chown %s: not entering '%s': another mount", w->job->root_path, name);
        return 0;
    }
    if (!S_ISDIR(n.mode))
        return change_other(w, fd, name, &n);
    return enter_directory(w, fd, name, &n, child, child_node);
}

/* Goes down into child: its names are read while the parent is still open, so that an
 * unreadable directory can be passed over (best effort) without losing the way back; then
 * one directory open at a time, so that any depth fits in a few descriptors. */
static int descend(struct walker *w, int *fd, int child, const struct node *child_node,
                   const char *entry)
{
    if (push_frame(w, child, child_node, entry) != 0) {
        int err = errno;
        close(child);
        return report_failed(w, entry, "read", err);
    }
    close(*fd);
    *fd = child;
    return 0;
}

/* Walks the whole subtree below the directory fd (already changed), entered as name. */
static int walk_subtree(struct walker *w, int fd, const struct node *dir, const char *name)
{
    if (push_frame(w, fd, dir, name) != 0) {
        int err = errno;
        close(fd);
        return report_failed(w, NULL, "read", err);
    }
    while (w->depth > 0) {
        if (should_stop(w->job)) {
            close(fd);
            return -1;
        }
        const char *entry = dir_next_name(&w->frames[w->depth - 1].names);
        if (!entry) {
            if (pop_frame(w, &fd) != 0)
                return -1;
            continue;
        }
        int child;
        struct node child_node;
        if (visit(w, fd, entry, &child, &child_node) != 0 ||
            (child >= 0 && descend(w, &fd, child, &child_node, entry) != 0)) {
            close(fd);
            return -1;
        }
    }
    return 0;
}

/* A walker takes the top's entries one by one until none are left. */
static void *run_walker(void *arg)
{
    struct walker *w = arg;
    struct volume_job *job = w->job;
    for (;;) {
        pthread_mutex_lock(&job->lock);
        const char *name = job->stop ? NULL : dir_next_name(&job->top);
        pthread_mutex_unlock(&job->lock);
        if (!name)
            return NULL;
        int child;
        struct node child_node;
        if (visit(w, job->root_fd, name, &child, &child_node) != 0)
            return NULL;
        if (child >= 0 && walk_subtree(w, child, &child_node, name) != 0)
            return NULL;
    }
}

static void add_stats(struct volume_stats *sum, const struct volume_stats *more)
{
    sum->checked += more->checked;
    sum->changed += more->changed;
    sum->skipped += more->skipped;
    sum->failed += more->failed;
}

int walk_below_top(struct volume_job *job, struct volume_stats *stats)
{
    struct walker walkers[POOL_MAX];
    struct pool pool;
    size_t count = pool_size_wanted(), entries = dir_names_left(&job->top, POOL_MAX);
    if (count > entries)
        count = entries ? entries : 1;
    memset(walkers, 0, sizeof(walkers));
    for (size_t i = 0; i < count; i++)
        walkers[i].job = job;
    /* The calling thread is the first walker. */
    pool_start(&pool, count - 1, run_walker, &walkers[1], sizeof(walkers[1]));
    run_walker(&walkers[0]);
    pool_join(&pool);
    for (size_t i = 0; i < count; i++) {
        add_stats(stats, &walkers[i].stats);
        while (walkers[i].depth > 0)
            dir_names_free(&walkers[i].frames[--walkers[i].depth].names);
        free(walkers[i].frames);
    }
    return job->stop ? -1 : 0;
}
