/* --chown: give a volume to the target user (and --chmod: set its modes) before privileges
 * are dropped, changing only what differs, never following a link, never leaving the
 * volume's mount. */
#ifndef WARDEN_VOLUMES_H
#define WARDEN_VOLUMES_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "volume_mode.h"

#define VOLUME_KEEP_ID ((uint32_t)-1) /* uid or gid: left as it is */

enum volume_policy {
    VOLUME_POLICY_ALWAYS,        /* walk every volume at every start */
    VOLUME_POLICY_ROOT_MISMATCH, /* skip a volume whose top already is as asked */
};

struct volume_options {
    uint32_t uid, gid;              /* VOLUME_KEEP_ID: not changed */
    const struct mode_change *mode; /* NULL: modes are not changed */
    bool best_effort;               /* per-entry errors become warnings */
    enum volume_policy policy;
    uint64_t progress_after_ns; /* the first progress line; then every progress_every_ns */
    uint64_t progress_every_ns;
};

struct volume_stats {
    unsigned long checked;
    unsigned long changed;
    unsigned long skipped; /* hard-linked files, other mounts, entries that changed */
    unsigned long failed;  /* errors tolerated by best_effort */
};

/* The defaults: always, progress after 2 s and then every 5 s. */
void volume_options_init(struct volume_options *opts);

/* Prepares one absolute path: creates it (and missing parents, owned by the target) when
 * missing, then walks it; the top is changed last, after a walk without error. Returns 0,
 * or -1 after logging one line naming the path. */
int volume_prepare(const char *path, const struct volume_options *opts, struct volume_stats *stats);

/* "always" or "root-mismatch"; -1 for anything else. */
int volume_policy_parse(const char *text, enum volume_policy *out);

#endif
