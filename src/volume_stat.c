#include "volume_stat.h"

#include <unistd.h>

#ifdef __GLIBC__
/* glibc (2.28 and later) declares statx(2) and the kernel's struct statx. */
#include <fcntl.h>
#include <sys/stat.h>
#define do_statx statx
#else
/* musl 1.2.3 has no statx() wrapper: the kernel's own header and the system call. Its
 * <sys/stat.h> and <fcntl.h> are left out of this file: they define the S_* and AT_*
 * macros again, differently spelt. */
#include <linux/fcntl.h>
#include <linux/stat.h>
#include <sys/syscall.h>
static int do_statx(int dirfd, const char *name, int flags, unsigned int mask, struct statx *sx)
{
    return (int)syscall(SYS_statx, dirfd, name, flags, mask, sx);
}
#endif

int node_stat(int dirfd, const char *name, struct node *out)
{
    struct statx sx;
    int flags = AT_SYMLINK_NOFOLLOW | AT_STATX_DONT_SYNC | (name[0] ? 0 : AT_EMPTY_PATH);
    unsigned int wanted =
        STATX_TYPE | STATX_MODE | STATX_NLINK | STATX_UID | STATX_GID | STATX_INO | STATX_MNT_ID;
    if (do_statx(dirfd, name, flags, wanted, &sx) != 0)
        return -1;
    out->uid = sx.stx_uid;
    out->gid = sx.stx_gid;
    out->nlink = sx.stx_nlink;
    out->mode = sx.stx_mode;
    out->ino = sx.stx_ino;
    /* Without a mount id (kernels before 5.8) the device numbers still separate most
     * mounts, though not a bind mount of the same filesystem. */
    out->mnt_id = (sx.stx_mask & STATX_MNT_ID) ? sx.stx_mnt_id : 0;
    out->dev_major = sx.stx_dev_major;
    out->dev_minor = sx.stx_dev_minor;
    return 0;
}
