/* Capabilities with libcap-ng: what an unprivileged program keeps, and the default
 * hardening (empty bounding set, no inheritable or ambient capabilities, no_new_privs). */
#ifndef WARDEN_CAPS_H
#define WARDEN_CAPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CAPS_MAX 64

/* How a user gives the container a capability, as the engines spell it (NAME twice). */
#define CAPS_ENGINE_FIX                                                                            \
    "docker/podman run --cap-add %s; Kubernetes: securityContext.capabilities.add: [\"%s\"]"

struct cap_plan {
    unsigned int kept[CAPS_MAX];
    size_t kept_count;
    bool harden; /* false with --allow-privilege-escalation */
};

/* "NET_BIND_SERVICE,cap_chown": case-insensitive, CAP_ prefix optional. */
int caps_parse_list(const char *list, struct cap_plan *plan, char *why, size_t why_size);

/* While still root: keep permitted capabilities across the uid change when some are
 * kept, and (hardened) trim the bounding set, which needs CAP_SETPCAP. */
int caps_before_switch(const struct cap_plan *plan);

/* After the uid change: exactly the kept capabilities in the permitted, effective,
 * inheritable and ambient sets; then (hardened) no_new_privs. */
int caps_after_switch(const struct cap_plan *plan);

/* Reads the sets back; -1 with why when anything differs from the plan. */
int caps_verify(const struct cap_plan *plan, char *why, size_t why_size);

/* Every set of the calling process, one bit per capability, and setpriv's pieces. */
struct cap_sets {
    uint64_t effective, permitted, inheritable, ambient, bounding;
};

/* libcap-ng's lower-case name, or "cap_N" for one it does not know. */
const char *caps_name(unsigned int cap, char *buf, size_t size);

/* "NET_ADMIN": the name as the engines' --cap-add spells it, in buf. */
const char *caps_engine_name(unsigned int cap, char *buf, size_t size);

/* A capability's name as capabilities(7) gives it without "cap_", any case; -1 if none. */
int caps_from_name(const char *name);

int caps_read_sets(struct cap_sets *out, char *why, size_t why_size);

/* Drops from the bounding set every capability not in keep (needs CAP_SETPCAP). */
int caps_limit_bounding(uint64_t keep, char *why, size_t why_size);

#endif
