/* Capabilities with libcap-ng: what an unprivileged program keeps, and the default
 * hardening (empty bounding set, no inheritable or ambient capabilities, no_new_privs). */
#ifndef WARDEN_CAPS_H
#define WARDEN_CAPS_H

#include <stdbool.h>
#include <stddef.h>

#define CAPS_MAX 64

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

#endif
