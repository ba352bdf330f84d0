#include "volume_open.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"

#define DIR_FLAGS (O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)

struct walk_path {
    const char *path; /* the whole path, for messages */
    uid_t uid;
    gid_t gid;
};

/* A missing directory is created and given to the target before anything is put in it. */
static int create_component(const struct walk_path *wp, int fd, const char *part)
{
    if (mkdirat(fd, part, 0755) != 0 && errno != EEXIST) {
        log_error("--chown %s: unable to create '%s': %s: create it in the image (RUN mkdir -p) "
                  "or mount a volume there",
                  wp->path, part, strerror(errno));
        return -1;
    }
    int next = openat(fd, part, DIR_FLAGS);
    if (next >= 0 && fchown(next, wp->uid, wp->gid) != 0) {
        log_error("--chown %s: unable to give '%s' to %d:%d: %s: give warden CAP_CHOWN, or create "
                  "it in the image with its owner",
                  wp->path, part, (int)wp->uid, (int)wp->gid, strerror(errno));
        close(next);
        return -1;
    }
    if (next >= 0)
        log_info("--chown %s: created '%s'", wp->path, part);
    else
        log_error("--chown %s: unable to open '%s': %s", wp->path, part, strerror(errno));
    return next;
}

/* The component part of the directory fd, which is not a directory (or is a link). */
static int open_non_directory(const struct walk_path *wp, int fd, const char *part, bool last,
                              bool *is_dir)
{
    /* A link is refused wherever it stands: it is the volume's to plant. */
    struct stat st;
    if (fstatat(fd, part, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode)) {
        log_error("--chown %s: '%s' is a symbolic link: give the real path", wp->path, part);
        return -1;
    }
    int next = -1;
    if (last) {
        next = openat(fd, part, O_PATH | O_NOFOLLOW | O_CLOEXEC);
        *is_dir = false;
    } else {
        errno = ENOTDIR;
    }
    if (next < 0)
        log_error("--chown %s: unable to open '%s': %s", wp->path, part, strerror(errno));
    return next;
}

static int open_component(const struct walk_path *wp, int fd, const char *part, bool last,
                          bool *is_dir)
{
    if (strcmp(part, ".") == 0 || strcmp(part, "..") == 0) {
        log_error("--chown %s: '.' and '..' are not allowed in the path: give it without them",
                  wp->path);
        return -1;
    }
    int next = openat(fd, part, DIR_FLAGS);
    if (next >= 0)
        return next;
    if (errno == ENOENT)
        return create_component(wp, fd, part);
    if (errno == ENOTDIR || errno == ELOOP)
        return open_non_directory(wp, fd, part, last, is_dir);
    log_error("--chown %s: unable to open '%s': %s", wp->path, part, strerror(errno));
    return -1;
}

int volume_open(const char *path, uid_t uid, gid_t gid, bool *is_dir)
{
    const struct walk_path wp = {path, uid, gid};
    int fd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
        log_error("--chown %s: unable to open /: %s", path, strerror(errno));
        return -1;
    }
    *is_dir = true;
    for (const char *p = path + strspn(path, "/"); *p && *is_dir; p += strspn(p, "/")) {
        size_t len = strcspn(p, "/");
        char part[256];
        if (len >= sizeof(part)) {
            log_error("--chown %s: a path component is longer than %zu bytes, which no file "
                      "system allows: give the real path",
                      path, sizeof(part) - 1);
            close(fd);
            return -1;
        }
        memcpy(part, p, len);
        part[len] = '\0';
        p += len;
        int next = open_component(&wp, fd, part, p[strspn(p, "/")] == '\0', is_dir);
        close(fd);
        if (next < 0)
            return -1;
        fd = next;
    }
    return fd;
}
