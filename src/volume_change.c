#include "volume_change.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "volume_report.h"

/* Why a file is left alone, and what to do. */
#define HARD_LINKED                                                                                \
    "regular file with more than one hard link (it may be a file from outside the volume): "       \
    "change it by hand if it belongs to the volume"

#ifndef SYS_fchmodat2
#define SYS_fchmodat2 452 /* Linux 6.6, the same number on every architecture */
#endif

static bool owner_differs(const struct volume_options *opts, const struct node *n)
{
    return (opts->uid != VOLUME_KEEP_ID && n->uid != opts->uid) ||
           (opts->gid != VOLUME_KEEP_ID && n->gid != opts->gid);
}

/* A link's own mode means nothing on Linux and cannot be changed. */
static bool mode_differs(const struct volume_options *opts, const struct node *n)
{
    return opts->mode && !S_ISLNK(n->mode) &&
           mode_apply(opts->mode, n->mode, S_ISDIR(n->mode)) != (n->mode & 07777u);
}

bool change_needed(const struct volume_options *opts, const struct node *n)
{
    return owner_differs(opts, n) || mode_differs(opts, n);
}

/* The pre-walk (check_only): an entry that needs a change the kernel will refuse, since
 * its owner or group is not mapped in this user namespace, stops the job before anything
 * is changed. */
static int check_only(struct walker *w, const struct node *n, const char *name)
{
    const struct volume_job *job = w->job;
    if (n->uid != job->overflow_uid && n->gid != job->overflow_gid)
        return 0;
    report_unmapped(w, name, n);
    return -1;
}

/* The mode after a change of owner: the kernel clears set-user-id, and set-group-id of a
 * group-executable file, on a non-directory (for root too). */
static unsigned mode_after_chown(const struct node *n)
{
    unsigned mode = n->mode & 07777u;
    if (S_ISDIR(n->mode))
        return mode;
    return mode & ~(S_ISUID | ((mode & S_IXGRP) ? S_ISGID : 0u));
}

/* chmod of name in dirfd, never following a link: fchmodat2(2) where the kernel has it,
 * otherwise an O_PATH descriptor (the name is a link: refused) changed through /proc. */
static int chmod_nofollow(int dirfd, const char *name, unsigned mode)
{
    if (syscall(SYS_fchmodat2, dirfd, name, mode, AT_SYMLINK_NOFOLLOW) == 0)
        return 0;
    if (errno != ENOSYS)
        return -1;
    int fd = openat(dirfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return -1;
    struct stat st;
    char proc[64];
    int rc = -1;
    snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
    if (fstat(fd, &st) == 0 && S_ISLNK(st.st_mode))
        errno = EOPNOTSUPP;
    else
        rc = chmod(proc, mode);
    int err = errno;
    close(fd);
    errno = err;
    return rc;
}

int change_directory(struct walker *w, int fd, const struct node *now, const char *name)
{
    const struct volume_options *opts = w->job->opts;
    if (!change_needed(opts, now))
        return 0;
    if (w->job->check_only)
        return check_only(w, now, name);
    if (owner_differs(opts, now) && fchown(fd, opts->uid, opts->gid) != 0)
        return report_failed(w, name, "change the owner of", errno);
    if (mode_differs(opts, now) && fchmod(fd, mode_apply(opts->mode, now->mode, true)) != 0)
        return report_failed(w, name, "change the mode of", errno);
    w->stats.changed++;
    return 0;
}

/* Changes name (or, with name "", dirfd itself, an O_PATH descriptor). */
static int change_by_name(struct walker *w, int dirfd, const char *name, const struct node *n,
                          const char *shown)
{
    const struct volume_options *opts = w->job->opts;
    if (w->job->check_only)
        return check_only(w, n, shown);
    unsigned mode = n->mode & 07777u;
    int empty = name[0] ? 0 : AT_EMPTY_PATH;
    if (owner_differs(opts, n)) {
        if (fchownat(dirfd, name, opts->uid, opts->gid, AT_SYMLINK_NOFOLLOW | empty) != 0)
            return errno == ENOENT ? 0 : report_failed(w, shown, "change the owner of", errno);
        mode = mode_after_chown(n);
    }
    if (opts->mode && !S_ISLNK(n->mode)) {
        unsigned wanted = mode_apply(opts->mode, mode, false);
        char proc[64];
        snprintf(proc, sizeof(proc), "/proc/self/fd/%d", dirfd);
        if (wanted != mode &&
            (empty ? chmod(proc, wanted) : chmod_nofollow(dirfd, name, wanted)) != 0)
            return errno == ENOENT ? 0 : report_failed(w, shown, "change the mode of", errno);
    }
    w->stats.changed++;
    return 0;
}

/* A non-directory: changed through the parent's descriptor, never following a link: a
 * link is re-owned itself, and a fifo or device is never opened. */
int change_other(struct walker *w, int dirfd, const char *name, const struct node *n)
{
    if (!change_needed(w->job->opts, n))
        return 0;
    if (S_ISREG(n->mode) && n->nlink > 1) {
        /* A hard link may be a file from outside the volume (CVE-2017-18078-style). */
        report_skipped(w, name, HARD_LINKED);
        return 0;
    }
    return change_by_name(w, dirfd, name, n, name);
}

int change_opened_file(struct walker *w, int fd, const struct node *n)
{
    if (S_ISREG(n->mode) && n->nlink > 1) {
        report_skipped(w, NULL, HARD_LINKED);
        return 0;
    }
    if (!change_needed(w->job->opts, n))
        return 0;
    return change_by_name(w, fd, "", n, NULL);
}
