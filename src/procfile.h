/* Small files of /proc, read whole in one call. */
#ifndef WARDEN_PROCFILE_H
#define WARDEN_PROCFILE_H

#include <stddef.h>
#include <sys/types.h>

/* Reads at most size-1 bytes of path (relative to dirfd) into buf, NUL-terminated.
 * Returns the length, or -1. */
ssize_t procfile_read(int dirfd, const char *path, char *buf, size_t size);

#endif
