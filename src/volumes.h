/* --chown: give a volume to the target user before privileges are dropped, changing only
 * what differs, never following a link, never leaving the volume's mount. */
#ifndef WARDEN_VOLUMES_H
#define WARDEN_VOLUMES_H

#include <stdbool.h>
#include <sys/types.h>

struct volume_options {
    uid_t uid;
    gid_t gid;
    bool best_effort; /* per-entry errors become warnings */
};

struct volume_stats {
    unsigned long checked;
    unsigned long changed;
    unsigned long skipped; /* hard-linked files, other mounts, entries that changed */
    unsigned long failed;  /* errors tolerated by best_effort */
};

/* Prepares one absolute path: creates it (and missing parents, owned by the target) when
 * missing, then walks it. Returns 0, or -1 after logging one line naming the path. */
int volume_prepare(const char *path, const struct volume_options *opts, struct volume_stats *stats);

#endif
