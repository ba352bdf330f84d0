#include "procfile.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

ssize_t procfile_read(int dirfd, const char *path, char *buf, size_t size)
{
    /* Relative to a /proc directory the caller holds open (leftovers.c), or AT_FDCWD. */
    int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t n;
    do {
        n = read(fd, buf, size - 1);
    } while (n < 0 && errno == EINTR);
    close(fd);
    if (n <= 0)
        return -1;
    buf[n] = '\0';
    return n;
}
