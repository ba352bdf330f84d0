/* --chown-to OWNER: whom the --chown paths are given to, as chown(1) writes it. */
#ifndef WARDEN_VOLUME_OWNER_H
#define WARDEN_VOLUME_OWNER_H

#include <stddef.h>
#include <stdint.h>

#include "users.h"

/* "USER" (the owner alone), "USER:GROUP" or ":GROUP" (the group alone), names looked up
 * in the image's files first, then numbers. What is not given is VOLUME_KEEP_ID. Returns 0,
 * or -1 with why filled. */
int volume_owner_resolve(const char *spec, const struct account_files *files, uint32_t *uid,
                         uint32_t *gid, char *why, size_t why_size);

#endif
