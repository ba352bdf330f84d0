/* What the volume walk needs to know of one entry, read with statx(2) without following a
 * link and without asking a network filesystem to refresh its attributes. */
#ifndef WARDEN_VOLUME_STAT_H
#define WARDEN_VOLUME_STAT_H

#include <stdint.h>

struct node {
    uint32_t uid, gid, nlink;
    uint16_t mode;
    uint64_t ino, mnt_id; /* mnt_id 0: the kernel (before 5.8) did not say */
    uint32_t dev_major, dev_minor;
};

/* name in the directory dirfd, never followed if it is a link; "" is dirfd itself.
 * Returns 0, or -1 with errno set. */
int node_stat(int dirfd, const char *name, struct node *out);

#endif
