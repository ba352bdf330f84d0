/* Dropping root for good: groups, then gid, then uid, then proof that it worked. */
#ifndef WARDEN_PRIVDROP_H
#define WARDEN_PRIVDROP_H

#include "caps.h"
#include "users.h"

/* Switches warden itself (and so everything it starts) to id. Every step is checked
 * and the result read back; any difference is fatal. */
int privdrop_switch(const struct identity *id, const struct cap_plan *plan);

/* The whole step as main.c sees it: nothing without --user; when warden is already not
 * root (Kubernetes runAsUser, rootless), the same user is fine and any other is an error
 * (permissions_check, which runs before, says why);
 * as root, the switch. Sets HOME, USER and LOGNAME for the program. */
int privdrop_become(const struct identity *id, const struct cap_plan *plan);

/* HOME, USER and LOGNAME for the program. */
int privdrop_set_environment(const struct identity *id);

/* Whether the supplementary groups are exactly these (in any order); -1 with why if not. */
int privdrop_verify_groups(const gid_t *groups, size_t group_count, char *why, size_t why_size);

/* Refuses a setuid or setgid installation (or file capabilities): AT_SECURE. */
int privdrop_refuse_setuid_install(void);

#endif
