/* warden as setpriv: what the parser, the planner and the applier share. */
#ifndef WARDEN_SETPRIV_H
#define WARDEN_SETPRIV_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "log.h"
#include "users.h"

/* setpriv's exit codes: 1 for usage and for the few failures it treats as its own (--nnp,
 * keeping capabilities, --reset-env, writing the dump), 127 when a setting cannot be
 * applied, and 126 or 127 when the program cannot be run. */
#define SETPRIV_USAGE  1
#define SETPRIV_FAILED 1
#define SETPRIV_APPLY  127
#define SETPRIV_NOEXEC 126
#define SETPRIV_NOENT  127

enum groups_choice { GROUPS_UNCHANGED, GROUPS_CLEAR, GROUPS_KEEP, GROUPS_INIT, GROUPS_LIST };
enum pdeathsig_choice { PDEATHSIG_UNCHANGED, PDEATHSIG_KEEP, PDEATHSIG_CLEAR, PDEATHSIG_SET };

struct setpriv_request {
    int dump_level;
    bool other_options; /* anything but --dump */
    bool have_ruid, have_euid, have_rgid, have_egid;
    uid_t ruid, euid;
    gid_t rgid, egid;
    enum groups_choice groups;
    const char *group_list;
    const char *inh_caps, *ambient_caps, *bounding_set;
    bool no_new_privs, reset_env;
    enum pdeathsig_choice pdeathsig;
    int pdeathsig_signal;
    char **command;
};

/* What the request resolves to before anything is changed. */
struct setpriv_plan {
    struct identity groups;  /* the supplementary groups for --groups and --init-groups */
    struct identity account; /* the passwd entry --reset-env describes */
    uint64_t inheritable, ambient, bounding;
};

/* One "warden: setpriv: ..." line; evaluates to -1 for the caller to pass on. */
#define setpriv_error(...) (log_error("setpriv: " __VA_ARGS__), -1)

/* Returns 1 to run, 0 when done (help, version), -1 on a usage error. */
int setpriv_parse(int argc, char **argv, struct setpriv_request *req);
/* setpriv's rules on what goes together. */
int setpriv_check(const struct setpriv_request *req);
/* Resolves names and capability changes before anything is changed: 0, -1 for a usage
 * error, or SETPRIV_APPLY when the current state cannot be read (said). */
int setpriv_plan(const struct setpriv_request *req, struct setpriv_plan *plan);
/* Applies the plan in setpriv's order: 0, or the exit code (said). */
int setpriv_apply(const struct setpriv_request *req, const struct setpriv_plan *plan);

/* "+cap,-cap,+all,-cap_N" applied in order to start. */
int setpriv_cap_changes(const char *option, const char *text, uint64_t start, uint64_t *out);
/* The highest capability number this kernel knows. */
unsigned int setpriv_last_cap(void);
/* The inheritable set becomes exactly wanted; effective and permitted stay. */
int setpriv_set_inheritable(uint64_t wanted, char *why, size_t why_size);
/* Raises and lowers ambient capabilities towards wanted. A raise the kernel refuses (not
 * both permitted and inheritable) is reported through refused, as setpriv goes on. */
int setpriv_set_ambient(uint64_t wanted, uint64_t *refused, char *why, size_t why_size);

#endif
