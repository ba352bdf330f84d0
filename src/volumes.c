#include "volumes.h"

#include <errno.h>
#include <pthread.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"

/* The kernel's struct statx, declared here because musl 1.2.3 has no statx() wrapper. */
struct kernel_statx {
    uint32_t mask, blksize;
    uint64_t attributes;
    uint32_t nlink, uid, gid;
    uint16_t mode, pad;
    uint64_t ino, size, blocks, attributes_mask;
    struct {
        int64_t sec;
        uint32_t nsec;
        int32_t reserved;
    } atime, btime, ctime, mtime;
    uint32_t rdev_major, rdev_minor, dev_major, dev_minor;
    uint64_t mnt_id;
    uint32_t dio_mem_align, dio_offset_align;
    uint64_t spare[12];
};

#define STATX_WANTED        0x1017u /* TYPE | MODE | NLINK | UID | GID | INO | MNT_ID */
#define STATX_MNT_ID_BIT    0x1000u
#define STATX_DONT_SYNC_BIT 0x4000
#define PROGRESS_EVERY_NS   (5ull * 1000000000ull)
#define WARNINGS_SHOWN      10
#define WALKERS_MAX         4
#define WALKER_STACK        ((size_t)256 * 1024)

struct node {
    uint32_t uid, gid, nlink;
    uint16_t mode;
    uint64_t ino, mnt_id;
    uint32_t dev_major, dev_minor;
};

/* One directory on the way down: its identity, to check ".." against on the way back up,
 * and the names it held when it was read. */
struct frame {
    uint64_t ino;
    uint32_t dev_major, dev_minor;
    const char *entered_as; /* its name in the parent frame's names */
    char *names;            /* NUL-separated */
    size_t names_len, next;
};

/* One volume, shared by its walkers: the root's own entries are handed out one at a time,
 * and each walker takes whole subtrees from there. */
struct job {
    const char *root_path;
    const struct volume_options *opts;
    int root_fd;
    uint64_t root_mnt_id;
    uint32_t root_dev_major, root_dev_minor;
    struct frame top;
    pthread_mutex_t lock; /* guards the fields below */
    bool stop;            /* a fatal error: every walker stops */
    unsigned long warnings, checked;
    struct timespec started, last_progress;
};

struct walker {
    struct job *job;
    struct frame *frames; /* the subtree being walked, below the root */
    size_t depth, capacity;
    struct volume_stats stats;
};

static int node_stat(int dirfd, const char *name, int flags, struct node *out)
{
    struct kernel_statx sx;
    if (syscall(SYS_statx, dirfd, name, flags | AT_SYMLINK_NOFOLLOW | STATX_DONT_SYNC_BIT,
                STATX_WANTED, &sx) != 0)
        return -1;
    out->uid = sx.uid;
    out->gid = sx.gid;
    out->nlink = sx.nlink;
    out->mode = sx.mode;
    out->ino = sx.ino;
    /* Without a mount id (kernels before 5.8) the device numbers still separate most
     * mounts, though not a bind mount of the same filesystem. */
    out->mnt_id = (sx.mask & STATX_MNT_ID_BIT) ? sx.mnt_id : 0;
    out->dev_major = sx.dev_major;
    out->dev_minor = sx.dev_minor;
    return 0;
}

static bool same_mount(const struct job *job, const struct node *n)
{
    return n->mnt_id == job->root_mnt_id && n->dev_major == job->root_dev_major &&
           n->dev_minor == job->root_dev_minor;
}

static bool needs_change(const struct job *job, const struct node *n)
{
    return n->uid != job->opts->uid || n->gid != job->opts->gid;
}

/* "/root/sub/dir/name", for messages. */
static const char *entry_path(const struct walker *w, const char *name, char *buf, size_t size)
{
    size_t used = (size_t)snprintf(buf, size, "%s", w->job->root_path);
    for (size_t i = 0; i < w->depth && used < size; i++)
        used += (size_t)snprintf(buf + used, size - used, "/%s", w->frames[i].entered_as);
    if (name && used < size)
        snprintf(buf + used, size - used, "/%s", name);
    return buf;
}

static bool should_stop(struct job *job)
{
    pthread_mutex_lock(&job->lock);
    bool stop = job->stop;
    pthread_mutex_unlock(&job->lock);
    return stop;
}

/* Counts a warning; true while it should still be shown. */
static bool count_warning(struct job *job)
{
    pthread_mutex_lock(&job->lock);
    bool show = ++job->warnings <= WARNINGS_SHOWN;
    pthread_mutex_unlock(&job->lock);
    return show;
}

static int entry_failed(struct walker *w, const char *name, const char *what, int err)
{
    char path[4096];
    struct job *job = w->job;
    entry_path(w, name, path, sizeof(path));
    if (!job->opts->best_effort) {
        pthread_mutex_lock(&job->lock);
        bool first = !job->stop;
        job->stop = true;
        pthread_mutex_unlock(&job->lock);
        /* One error line, even when several walkers fail at once. */
        if (first)
            log_fields(LOG_LEVEL_ERROR, (struct log_field[]){LOG_STR("path", path)}, 1,
                       "--chown: unable to %s '%s': %s", what, path, strerror(err));
        return -1;
    }
    w->stats.failed++;
    if (count_warning(job))
        log_fields(LOG_LEVEL_WARN, (struct log_field[]){LOG_STR("path", path)}, 1,
                   "--chown: unable to %s '%s': %s (continuing: --chown-best-effort)", what, path,
                   strerror(err));
    return 0;
}

static void entry_skipped(struct walker *w, const char *name, const char *why)
{
    char path[4096];
    w->stats.skipped++;
    if (count_warning(w->job)) {
        entry_path(w, name, path, sizeof(path));
        log_fields(LOG_LEVEL_WARN, (struct log_field[]){LOG_STR("path", path)}, 1,
                   "--chown: left '%s' alone: %s", path, why);
    }
}

/* A directory is changed through its own open descriptor, once its identity (now, read
 * through fd) matches what was looked at by name. */
static int change_directory(struct walker *w, int fd, const struct node *now, const char *name)
{
    if (!needs_change(w->job, now))
        return 0;
    if (fchown(fd, w->job->opts->uid, w->job->opts->gid) != 0)
        return entry_failed(w, name, "change the owner of", errno);
    w->stats.changed++;
    return 0;
}

static void report_progress(struct walker *w)
{
    struct job *job = w->job;
    if ((w->stats.checked & 4095) != 0)
        return;
    pthread_mutex_lock(&job->lock);
    job->checked += 4096;
    bool due = clock_elapsed_ns(&job->last_progress) >= PROGRESS_EVERY_NS;
    if (due)
        job->last_progress = clock_now();
    unsigned long checked = job->checked;
    pthread_mutex_unlock(&job->lock);
    if (due)
        log_info("--chown %s: about %lu entries checked so far", job->root_path, checked);
}

/* Reads every name of the directory fd into frame (without . and ..). */
static int read_names(int fd, struct frame *frame)
{
    char buf[32768];
    size_t capacity = 0;
    frame->names = NULL;
    frame->names_len = frame->next = 0;
    for (;;) {
        long n = syscall(SYS_getdents64, fd, buf, sizeof(buf));
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        if (n == 0)
            return 0;
        for (long off = 0; off < n;) {
            /* struct linux_dirent64: ino (8), off (8), reclen (2), type (1), name */
            unsigned short reclen;
            memcpy(&reclen, buf + off + 16, sizeof(reclen));
            const char *name = buf + off + 19;
            off += reclen;
            if (name[0] == '.' && (name[1] == '\0' || (name[1] == '.' && name[2] == '\0')))
                continue;
            size_t len = strlen(name) + 1;
            if (frame->names_len + len > capacity) {
                size_t grown_capacity = capacity ? capacity * 2 : 4096;
                while (grown_capacity < frame->names_len + len)
                    grown_capacity *= 2;
                char *grown = realloc(frame->names, grown_capacity);
                if (!grown)
                    return -1;
                frame->names = grown;
                capacity = grown_capacity;
            }
            // NOLINTNEXTLINE(clang-analyzer-core.NonNullParamChecker): len >= 1 grew names above
            memcpy(frame->names + frame->names_len, name, len);
            frame->names_len += len;
        }
    }
}

static int fill_frame(struct frame *f, int fd, const struct node *dir, const char *entered_as)
{
    f->ino = dir->ino;
    f->dev_major = dir->dev_major;
    f->dev_minor = dir->dev_minor;
    f->entered_as = entered_as;
    if (read_names(fd, f) != 0) {
        int err = errno;
        free(f->names);
        f->names = NULL;
        errno = err;
        return -1;
    }
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
    if (fill_frame(&w->frames[w->depth], fd, dir, entered_as) != 0)
        return -1;
    w->depth++;
    return 0;
}

/* Back to the parent through "..", checking it is the directory that was left: if the
 * tree was moved meanwhile, ".." could lead outside the volume. */
static int pop_frame(struct walker *w, int *fd)
{
    struct frame *done = &w->frames[--w->depth];
    free(done->names);
    if (w->depth == 0) {
        close(*fd);
        *fd = -1;
        return 0;
    }
    int parent = openat(*fd, "..", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    int err = errno;
    close(*fd);
    *fd = -1;
    struct node seen;
    const struct frame *expected = &w->frames[w->depth - 1];
    if (parent < 0 || node_stat(parent, "", AT_EMPTY_PATH, &seen) != 0 ||
        seen.ino != expected->ino || seen.dev_major != expected->dev_major ||
        seen.dev_minor != expected->dev_minor) {
        if (parent >= 0)
            close(parent);
        pthread_mutex_lock(&w->job->lock);
        w->job->stop = true;
        pthread_mutex_unlock(&w->job->lock);
        log_error("--chown %s: the volume was moved or changed during the walk (%s); "
                  "stopped",
                  w->job->root_path, parent < 0 ? strerror(err) : "parent directory differs");
        return -1;
    }
    *fd = parent;
    return 0;
}

/* Visits one name of the directory fd; on a directory to enter, *child gets its fd. */
static int visit(struct walker *w, int fd, const char *name, int *child, struct node *child_node)
{
    struct job *job = w->job;
    struct node n;
    *child = -1;
    w->stats.checked++;
    report_progress(w);
    if (node_stat(fd, name, 0, &n) != 0) {
        if (errno == ENOENT) /* gone since the directory was read */
            return 0;
        return entry_failed(w, name, "inspect", errno);
    }
    if (!same_mount(job, &n)) {
        w->stats.skipped++;
        log_debug("--chown %s: not entering '%s': another mount", job->root_path, name);
        return 0;
    }
    if (!S_ISDIR(n.mode)) {
        if (!needs_change(job, &n))
            return 0;
        if (S_ISREG(n.mode) && n.nlink > 1) {
            /* A hard link may be a file from outside the volume (CVE-2017-18078-style). */
            entry_skipped(w, name, "regular file with more than one hard link");
            return 0;
        }
        /* Through the parent's descriptor, never following a link: a link is re-owned
         * itself, and a fifo or device is never opened. */
        if (fchownat(fd, name, job->opts->uid, job->opts->gid, AT_SYMLINK_NOFOLLOW) != 0) {
            if (errno == ENOENT)
                return 0;
            return entry_failed(w, name, "change the owner of", errno);
        }
        w->stats.changed++;
        return 0;
    }
    int dir = openat(fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (dir < 0) {
        if (errno == ENOENT || errno == ELOOP || errno == ENOTDIR) {
            entry_skipped(w, name, "it changed while warden was looking at it");
            return 0;
        }
        return entry_failed(w, name, "open", errno);
    }
    if (node_stat(dir, "", AT_EMPTY_PATH, child_node) != 0) {
        close(dir);
        return entry_failed(w, name, "inspect", errno);
    }
    if (child_node->ino != n.ino || !same_mount(job, child_node)) {
        close(dir);
        entry_skipped(w, name, "it changed while warden was looking at it");
        return 0;
    }
    if (change_directory(w, dir, child_node, name) != 0) {
        close(dir);
        return -1;
    }
    *child = dir;
    return 0;
}

/* Walks the whole subtree below the directory fd (already changed), entered as name. */
static int walk_subtree(struct walker *w, int fd, const struct node *dir, const char *name)
{
    if (push_frame(w, fd, dir, name) != 0) {
        int err = errno;
        close(fd);
        return entry_failed(w, NULL, "read", err);
    }
    while (w->depth > 0) {
        if (should_stop(w->job)) {
            close(fd);
            return -1;
        }
        struct frame *f = &w->frames[w->depth - 1];
        if (f->next >= f->names_len) {
            if (pop_frame(w, &fd) != 0)
                return -1;
            continue;
        }
        const char *entry = f->names + f->next;
        f->next += strlen(entry) + 1;
        int child;
        struct node child_node;
        if (visit(w, fd, entry, &child, &child_node) != 0) {
            close(fd);
            return -1;
        }
        if (child >= 0) {
            /* Its names are read while the parent is still open, so an unreadable
             * directory can be passed over (best effort) without losing the way back. */
            if (push_frame(w, child, &child_node, entry) != 0) {
                int err = errno;
                close(child);
                if (entry_failed(w, entry, "read", err) != 0) {
                    close(fd);
                    return -1;
                }
                continue;
            }
            /* Then one directory open at a time: any depth fits in a few descriptors. */
            close(fd);
            fd = child;
        }
    }
    return 0;
}

/* A walker takes the root's entries one by one until none are left. */
static void *run_walker(void *arg)
{
    struct walker *w = arg;
    struct job *job = w->job;
    for (;;) {
        // NOLINTNEXTLINE(clang-analyzer-core.NonNullParamChecker): walk_root sets every job
        pthread_mutex_lock(&job->lock);
        const char *name = NULL;
        if (!job->stop && job->top.next < job->top.names_len) {
            name = job->top.names + job->top.next;
            job->top.next += strlen(name) + 1;
        }
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

static size_t walker_count(const struct frame *top)
{
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    size_t count = cores < 1 ? 1 : (size_t)cores, entries = 0;
    for (size_t off = 0; off < top->names_len && entries < WALKERS_MAX; entries++)
        off += strlen(top->names + off) + 1;
    if (count > WALKERS_MAX)
        count = WALKERS_MAX;
    return count < entries ? count : (entries ? entries : 1);
}

/* Runs the walkers (the calling thread is one of them) and sums their counts. */
static int walk_root(struct job *job, struct volume_stats *stats)
{
    struct walker walkers[WALKERS_MAX];
    pthread_t threads[WALKERS_MAX];
    bool started[WALKERS_MAX] = {false};
    size_t count = walker_count(&job->top);
    pthread_attr_t attr;
    bool have_attr =
        pthread_attr_init(&attr) == 0 && pthread_attr_setstacksize(&attr, WALKER_STACK) == 0;

    memset(walkers, 0, sizeof(walkers));
    for (size_t i = 0; i < count; i++)
        walkers[i].job = job;
    /* Helpers are a speed-up only: if one cannot start, the others do its share. */
    for (size_t i = 1; i < count && have_attr; i++)
        started[i] = pthread_create(&threads[i], &attr, run_walker, &walkers[i]) == 0;
    run_walker(&walkers[0]);
    for (size_t i = 1; i < count; i++)
        if (started[i])
            pthread_join(threads[i], NULL);
    if (have_attr)
        pthread_attr_destroy(&attr);

    for (size_t i = 0; i < count; i++) {
        stats->checked += walkers[i].stats.checked;
        stats->changed += walkers[i].stats.changed;
        stats->skipped += walkers[i].stats.skipped;
        stats->failed += walkers[i].stats.failed;
        while (walkers[i].depth > 0)
            free(walkers[i].frames[--walkers[i].depth].names);
        free(walkers[i].frames);
    }
    return job->stop ? -1 : 0;
}

/* Opens path from /, one component at a time without following links, creating what is
 * missing (owned by the target). The last component may be a non-directory. */
static int open_root(const char *path, const struct volume_options *opts, bool *is_dir)
{
    int fd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    const char *p = path;
    if (fd < 0) {
        log_error("--chown %s: unable to open /: %s", path, strerror(errno));
        return -1;
    }
    *is_dir = true;
    while (*p) {
        while (*p == '/')
            p++;
        size_t len = strcspn(p, "/");
        if (len == 0)
            break;
        char part[256];
        if (len >= sizeof(part)) {
            log_error("--chown %s: a path component is too long", path);
            close(fd);
            return -1;
        }
        memcpy(part, p, len);
        part[len] = '\0';
        p += len;
        bool last = strspn(p, "/") == strlen(p);
        if (strcmp(part, ".") == 0 || strcmp(part, "..") == 0) {
            log_error("--chown %s: '.' and '..' are not allowed in the path", path);
            close(fd);
            return -1;
        }
        int next = openat(fd, part, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (next < 0 && errno == ENOENT) {
            if (mkdirat(fd, part, 0755) != 0 && errno != EEXIST) {
                log_error("--chown %s: unable to create '%s': %s", path, part, strerror(errno));
                close(fd);
                return -1;
            }
            next = openat(fd, part, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            if (next >= 0 && fchown(next, opts->uid, opts->gid) != 0) {
                log_error("--chown %s: unable to give '%s' to %u:%u: %s", path, part, opts->uid,
                          opts->gid, strerror(errno));
                close(next);
                close(fd);
                return -1;
            }
            if (next >= 0)
                log_info("--chown %s: created '%s'", path, part);
        } else if (next < 0 && (errno == ENOTDIR || errno == ELOOP)) {
            /* A link is refused wherever it stands: it is the volume's to plant. */
            struct stat st;
            if (fstatat(fd, part, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode)) {
                log_error("--chown %s: '%s' is a symbolic link: give the real path", path, part);
                close(fd);
                return -1;
            }
            if (last) {
                next = openat(fd, part, O_PATH | O_NOFOLLOW | O_CLOEXEC);
                *is_dir = false;
            } else {
                errno = ENOTDIR;
            }
        }
        if (next < 0) {
            log_error("--chown %s: unable to open '%s': %s", path, part, strerror(errno));
            close(fd);
            return -1;
        }
        close(fd);
        fd = next;
        if (!*is_dir)
            break;
    }
    return fd;
}

int volume_prepare(const char *path, const struct volume_options *opts, struct volume_stats *stats)
{
    struct job job = {.root_path = path, .opts = opts};
    struct walker root_walker = {.job = &job};
    bool is_dir;
    struct node root;

    memset(stats, 0, sizeof(*stats));
    pthread_mutex_init(&job.lock, NULL);
    job.started = job.last_progress = clock_now();
    int fd = open_root(path, opts, &is_dir);
    if (fd < 0)
        return -1;
    if (node_stat(fd, "", AT_EMPTY_PATH, &root) != 0) {
        log_error("--chown %s: unable to inspect it: %s", path, strerror(errno));
        close(fd);
        return -1;
    }
    job.root_fd = fd;
    job.root_mnt_id = root.mnt_id;
    job.root_dev_major = root.dev_major;
    job.root_dev_minor = root.dev_minor;
    stats->checked = 1;

    int rc;
    if (!is_dir) {
        /* PATH itself is a file: opened with O_PATH|O_NOFOLLOW, changed through that fd. */
        rc = 0;
        if (S_ISREG(root.mode) && root.nlink > 1)
            entry_skipped(&root_walker, NULL, "regular file with more than one hard link");
        else if (needs_change(&job, &root) &&
                 fchownat(fd, "", opts->uid, opts->gid, AT_EMPTY_PATH) != 0)
            rc = entry_failed(&root_walker, NULL, "change the owner of", errno);
        else if (needs_change(&job, &root))
            root_walker.stats.changed++;
    } else if ((rc = change_directory(&root_walker, fd, &root, NULL)) == 0) {
        if (fill_frame(&job.top, fd, &root, NULL) != 0)
            rc = entry_failed(&root_walker, NULL, "read", errno);
        else
            rc = walk_root(&job, stats);
        free(job.top.names);
    }
    close(fd);
    stats->changed += root_walker.stats.changed;
    stats->skipped += root_walker.stats.skipped;
    stats->failed += root_walker.stats.failed;
    pthread_mutex_destroy(&job.lock);
    if (rc != 0)
        return -1;
    if (job.warnings > WARNINGS_SHOWN)
        log_warn("--chown %s: %lu more warnings not shown", path, job.warnings - WARNINGS_SHOWN);
    log_fields(LOG_LEVEL_INFO,
               (struct log_field[]){LOG_STR("path", path), LOG_NUM("checked", stats->checked),
                                    LOG_NUM("changed", stats->changed),
                                    LOG_NUM("skipped", stats->skipped),
                                    LOG_NUM("failed", stats->failed)},
               5, "--chown %s: %lu entries checked, %lu changed, %lu skipped, %lu failed in %.3f s",
               path, stats->checked, stats->changed, stats->skipped, stats->failed,
               (double)clock_elapsed_ns(&job.started) / 1e9);
    return 0;
}
