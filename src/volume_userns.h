/* The user namespace warden runs in, as --chown sees it: an inode whose owner or group is
 * not mapped here shows as the overflow id, and the kernel refuses to change it even to a
 * process with every capability in the namespace (rootless Podman's volumes, for one). */
#ifndef WARDEN_VOLUME_USERNS_H
#define WARDEN_VOLUME_USERNS_H

#include <stdbool.h>
#include <stdint.h>

/* True when this user namespace maps only part of the uid or gid range (the initial one
 * maps all of it: "0 0 4294967295"); then *uid and *gid get the overflow ids unmapped
 * owners show as. False outside such a namespace, or when /proc cannot tell. */
bool userns_partial(uint32_t *uid, uint32_t *gid);

#endif
