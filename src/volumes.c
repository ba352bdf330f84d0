#include "volumes.h"

#include <errno.h>
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
    const char *entered_as; /* its name in the parent frame's names; NULL for the root */
    char *names;            /* NUL-separated */
    size_t names_len, next;
};

struct walk {
    const char *root_path;
    const struct volume_options *opts;
    struct volume_stats *stats;
    uint64_t root_mnt_id;
    uint32_t root_dev_major, root_dev_minor;
    struct frame *frames;
    size_t depth, capacity;
    struct timespec started, last_progress;
    unsigned long warnings;
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

static bool same_mount(const struct walk *w, const struct node *n)
{
    return n->mnt_id == w->root_mnt_id && n->dev_major == w->root_dev_major &&
           n->dev_minor == w->root_dev_minor;
}

/* "/root/sub/dir/name", for messages. */
static const char *entry_path(const struct walk *w, const char *name, char *buf, size_t size)
{
    size_t used = (size_t)snprintf(buf, size, "%s", w->root_path);
    for (size_t i = 1; i < w->depth && used < size; i++)
        used += (size_t)snprintf(buf + used, size - used, "/%s", w->frames[i].entered_as);
    if (name && used < size)
        snprintf(buf + used, size - used, "/%s", name);
    return buf;
}

static int entry_failed(struct walk *w, const char *name, const char *what, int err)
{
    char path[4096];
    entry_path(w, name, path, sizeof(path));
    if (!w->opts->best_effort) {
        log_fields(LOG_LEVEL_ERROR, (struct log_field[]){LOG_STR("path", path)}, 1,
                   "--chown: unable to %s '%s': %s", what, path, strerror(err));
        return -1;
    }
    w->stats->failed++;
    if (++w->warnings <= WARNINGS_SHOWN)
        log_fields(LOG_LEVEL_WARN, (struct log_field[]){LOG_STR("path", path)}, 1,
                   "--chown: unable to %s '%s': %s (continuing: --chown-best-effort)", what, path,
                   strerror(err));
    return 0;
}

static void entry_skipped(struct walk *w, const char *name, const char *why)
{
    char path[4096];
    w->stats->skipped++;
    if (++w->warnings <= WARNINGS_SHOWN) {
        entry_path(w, name, path, sizeof(path));
        log_fields(LOG_LEVEL_WARN, (struct log_field[]){LOG_STR("path", path)}, 1,
                   "--chown: left '%s' alone: %s", path, why);
    }
}

static bool needs_change(const struct walk *w, const struct node *n)
{
    return n->uid != w->opts->uid || n->gid != w->opts->gid;
}

/* Changes the owner of exactly the object fd refers to, once its identity (now, read
 * through fd) matches what was looked at by name: a name swapped in between cannot
 * redirect the change. */
static int change_owner(struct walk *w, int fd, const struct node *seen, const struct node *now,
                        const char *name)
{
    if (now->ino != seen->ino || !same_mount(w, now)) {
        entry_skipped(w, name, "it changed while warden was looking at it");
        return 0;
    }
    if (!needs_change(w, now))
        return 0;
    if (S_ISREG(now->mode) && now->nlink > 1) {
        /* A hard link may be a file from outside the volume (CVE-2017-18078-style). */
        entry_skipped(w, name, "regular file with more than one hard link");
        return 0;
    }
    if (fchownat(fd, "", w->opts->uid, w->opts->gid, AT_EMPTY_PATH) != 0)
        return entry_failed(w, name, "change the owner of", errno);
    w->stats->changed++;
    return 0;
}

static void report_progress(struct walk *w)
{
    if ((w->stats->checked & 4095) != 0 || !log_enabled(LOG_LEVEL_INFO))
        return;
    struct timespec now = clock_now();
    if (clock_elapsed_ns(&w->last_progress) < PROGRESS_EVERY_NS)
        return;
    w->last_progress = now;
    log_info("--chown %s: %lu entries checked, %lu changed so far", w->root_path, w->stats->checked,
             w->stats->changed);
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
            memcpy(frame->names + frame->names_len, name, len);
            frame->names_len += len;
        }
    }
}

static int push_frame(struct walk *w, int fd, const struct node *dir, const char *entered_as)
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
    if (read_names(fd, f) != 0) {
        free(f->names);
        return -1;
    }
    w->depth++;
    return 0;
}

/* Back to the parent through "..", checking it is the directory that was left: if the
 * tree was moved meanwhile, ".." could lead outside the volume. */
static int pop_frame(struct walk *w, int *fd)
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
        log_error("--chown %s: the volume was moved or changed during the walk (%s); "
                  "stopped",
                  w->root_path, parent < 0 ? strerror(err) : "parent directory differs");
        return -1;
    }
    *fd = parent;
    return 0;
}

/* Visits one name of the directory fd; on a directory to enter, *child gets its fd. */
static int visit(struct walk *w, int fd, const char *name, int *child, struct node *child_node)
{
    struct node n;
    *child = -1;
    w->stats->checked++;
    report_progress(w);
    if (node_stat(fd, name, 0, &n) != 0) {
        if (errno == ENOENT) /* gone since the directory was read */
            return 0;
        return entry_failed(w, name, "inspect", errno);
    }
    if (!same_mount(w, &n)) {
        w->stats->skipped++;
        log_debug("--chown %s: not entering '%s': another mount", w->root_path, name);
        return 0;
    }
    if (S_ISDIR(n.mode)) {
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
        if (child_node->ino != n.ino || !same_mount(w, child_node)) {
            close(dir);
            entry_skipped(w, name, "it changed while warden was looking at it");
            return 0;
        }
        if (change_owner(w, dir, &n, child_node, name) != 0) {
            close(dir);
            return -1;
        }
        *child = dir;
        return 0;
    }
    if (!needs_change(w, &n))
        return 0;
    /* O_PATH: a handle on the entry itself, a link as a link, a fifo or device without
     * opening it. */
    int handle = openat(fd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
    if (handle < 0) {
        if (errno == ENOENT)
            return 0;
        return entry_failed(w, name, "open", errno);
    }
    struct node now;
    int rc = node_stat(handle, "", AT_EMPTY_PATH, &now) != 0
                 ? entry_failed(w, name, "inspect", errno)
                 : change_owner(w, handle, &n, &now, name);
    close(handle);
    return rc;
}

static int walk_tree(struct walk *w, int root_fd, const struct node *root)
{
    int fd = root_fd;
    if (change_owner(w, fd, root, root, NULL) != 0) {
        close(fd);
        return -1;
    }
    if (push_frame(w, fd, root, NULL) != 0) {
        entry_failed(w, NULL, "read", errno);
        close(fd);
        return -1;
    }
    while (w->depth > 0) {
        struct frame *f = &w->frames[w->depth - 1];
        if (f->next >= f->names_len) {
            if (pop_frame(w, &fd) != 0)
                return -1;
            continue;
        }
        const char *name = f->names + f->next;
        f->next += strlen(name) + 1;
        int child;
        struct node child_node;
        if (visit(w, fd, name, &child, &child_node) != 0) {
            close(fd);
            return -1;
        }
        if (child >= 0) {
            /* Its names are read while the parent is still open, so an unreadable
             * directory can be passed over (best effort) without losing the way back. */
            if (push_frame(w, child, &child_node, name) != 0) {
                int err = errno;
                close(child);
                if (entry_failed(w, name, "read", err) != 0) {
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
    struct walk w = {.root_path = path, .opts = opts, .stats = stats};
    bool is_dir;
    struct node root;

    memset(stats, 0, sizeof(*stats));
    w.started = w.last_progress = clock_now();
    int fd = open_root(path, opts, &is_dir);
    if (fd < 0)
        return -1;
    if (node_stat(fd, "", AT_EMPTY_PATH, &root) != 0) {
        log_error("--chown %s: unable to inspect it: %s", path, strerror(errno));
        close(fd);
        return -1;
    }
    w.root_mnt_id = root.mnt_id;
    w.root_dev_major = root.dev_major;
    w.root_dev_minor = root.dev_minor;
    stats->checked = 1;

    int rc;
    if (!is_dir) {
        rc = change_owner(&w, fd, &root, &root, NULL);
        close(fd);
    } else {
        rc = walk_tree(&w, fd, &root);
    }
    while (w.depth > 0)
        free(w.frames[--w.depth].names);
    free(w.frames);
    if (rc != 0)
        return -1;
    if (w.warnings > WARNINGS_SHOWN)
        log_warn("--chown %s: %lu more warnings not shown", path, w.warnings - WARNINGS_SHOWN);
    log_fields(LOG_LEVEL_INFO,
               (struct log_field[]){LOG_STR("path", path), LOG_NUM("checked", stats->checked),
                                    LOG_NUM("changed", stats->changed),
                                    LOG_NUM("skipped", stats->skipped),
                                    LOG_NUM("failed", stats->failed)},
               5, "--chown %s: %lu entries checked, %lu changed, %lu skipped, %lu failed in %.3f s",
               path, stats->checked, stats->changed, stats->skipped, stats->failed,
               (double)clock_elapsed_ns(&w.started) / 1e9);
    return 0;
}
