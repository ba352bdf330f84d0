#include "volume_walk.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "volume_change.h"
#include "volume_report.h"

#define DIR_FLAGS (O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)

static bool same_mount(const struct volume_job *job, const struct node *n)
{
    return n->mnt_id == job->root.mnt_id && n->dev_major == job->root.dev_major &&
           n->dev_minor == job->root.dev_minor;
}

bool walk_should_stop(struct volume_job *job)
{
    return atomic_load_explicit(&job->stop, memory_order_relaxed);
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
                    "--chown %s: the volume was moved or changed during the walk (%s); stopped: "
                    "start the container again once nothing else moves it",
                    w->job->root_path, parent < 0 ? strerror(err) : "parent directory differs");
        return -1;
    }
    *fd = parent;
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
    if (change_directory(w, dir, child_node, name) != 0) {
        close(dir);
        return -1;
    }
    *child = dir;
    return 0;
}

/* Visits one name of the directory fd; on a directory to enter, *child gets its fd. */
int walk_visit(struct walker *w, int fd, const char *name, int *child, struct node *child_node)
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
int walk_subtree(struct walker *w, int fd, const struct node *dir, const char *name)
{
    if (push_frame(w, fd, dir, name) != 0) {
        int err = errno;
        close(fd);
        return report_failed(w, NULL, "read", err);
    }
    while (w->depth > 0) {
        if (walk_should_stop(w->job)) {
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
        if (walk_visit(w, fd, entry, &child, &child_node) != 0 ||
            (child >= 0 && descend(w, &fd, child, &child_node, entry) != 0)) {
            close(fd);
            return -1;
        }
    }
    return 0;
}
