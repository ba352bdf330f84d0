/* warden as setpriv: the request resolved, then applied in setpriv's order. */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "caps.h"
#include "log.h"
#include "parse.h"
#include "setpriv.h"
#include "privdrop.h"
#include "signames.h"
#include "users.h"

/* --reset-env describes the new user, else the caller; neither has a passwd entry. */
static int no_account_for_env(const struct setpriv_request *req, uid_t caller)
{
    static const char fix[] = "so there is no HOME, SHELL or USER to set: add the user to the "
                              "image (useradd), or leave --reset-env out";
    if (req->have_ruid && req->ruid != caller)
        return setpriv_error("--reset-env: neither uid %u nor uid %u (the caller) has an entry "
                             "in %s, %s",
                             (unsigned int)req->ruid, (unsigned int)caller, image_accounts.passwd,
                             fix);
    return setpriv_error("--reset-env: uid %u has no entry in %s, %s", (unsigned int)caller,
                         image_accounts.passwd, fix);
}

int setpriv_plan(const struct setpriv_request *req, struct setpriv_plan *plan)
{
    char why[512];
    struct cap_sets now;
    /* The capability options start from the current sets; nothing to read without them. */
    bool changes_caps = req->inh_caps || req->ambient_caps || req->bounding_set;
    if (changes_caps && caps_read_sets(&now, why, sizeof(why)) != 0) {
        log_error("setpriv: %s: the capability options start from them: mount /proc in the "
                  "container, or allow capget in the container's seccomp profile",
                  why);
        return SETPRIV_APPLY;
    }
    if ((req->inh_caps && setpriv_cap_changes("--inh-caps", req->inh_caps, now.inheritable,
                                              &plan->inheritable) != 0) ||
        (req->ambient_caps && setpriv_cap_changes("--ambient-caps", req->ambient_caps, now.ambient,
                                                  &plan->ambient) != 0) ||
        (req->bounding_set && setpriv_cap_changes("--bounding-set", req->bounding_set, now.bounding,
                                                  &plan->bounding) != 0))
        return -1;

    if (req->groups == GROUPS_LIST &&
        groups_append_list(req->group_list, &image_accounts, &plan->groups, why, sizeof(why)) != 0)
        return setpriv_error("--groups: %s", why);
    if (req->groups == GROUPS_INIT || req->reset_env) {
        if (user_lookup_uid(req->have_ruid ? req->ruid : getuid(), &image_accounts, &plan->account,
                            why, sizeof(why)) != 0)
            return setpriv_error("%s", why);
    }
    if (req->groups == GROUPS_INIT) {
        if (!plan->account.has_name)
            return setpriv_error("--init-groups: uid %u has no entry in %s, so it has no groups "
                                 "to take: add the user to the image (useradd), or give --groups "
                                 "LIST or --clear-groups",
                                 (unsigned int)req->ruid, image_accounts.passwd);
        plan->groups.gid = plan->account.gid;
        strcpy(plan->groups.name, plan->account.name);
        if (groups_append_initial(&image_accounts, &plan->groups, why, sizeof(why)) != 0)
            return setpriv_error("--init-groups: %s", why);
    }
    /* setpriv describes the caller when the new uid has no entry. */
    if (req->reset_env && !plan->account.has_name) {
        uid_t caller = getuid();
        if (user_lookup_uid(caller, &image_accounts, &plan->account, why, sizeof(why)) != 0)
            return setpriv_error("%s", why);
        if (!plan->account.has_name)
            return no_account_for_env(req, caller);
    }
    return 0;
}

/* A call that needs no privilege failed: only a filter refuses it. Returns code. */
static int filtered(int code, const char *what, const char *call)
{
    log_error("setpriv: unable to %s (%s): %s: allow %s in the container's seccomp profile", what,
              call, strerror(errno), call);
    return code;
}

/* An id change failed: what it takes, by errno. Evaluates to -1. */
static int id_change_failed(const char *what, const char *call, const char *ids, const char *cap,
                            const char *map)
{
    int err = errno;
    if (err == EINVAL)
        return setpriv_error("unable to %s (%s): %s: %s in this user namespace: pick ids inside "
                             "/proc/self/%s",
                             what, call, strerror(err), ids, map);
    if (err == EPERM)
        return setpriv_error("unable to %s (%s): %s: it takes CAP_%s: run setpriv as root, in a "
                             "container that keeps CAP_%s",
                             what, call, strerror(err), cap, cap);
    return setpriv_error("unable to %s (%s): %s", what, call, strerror(err));
}

/* The kernel said yes and did not: only a filter that fakes success does that. */
static int faked(const char *call, const char *what)
{
    return setpriv_error("%s did not take effect: %s: the container's seccomp profile or "
                         "security module answers %s without acting: allow it there",
                         call, what, call);
}

static int switch_groups(const struct setpriv_request *req, const struct setpriv_plan *plan)
{
    char why[256];
    bool clear = req->groups == GROUPS_CLEAR;
    if (req->groups == GROUPS_UNCHANGED || req->groups == GROUPS_KEEP)
        return 0;
    if (setgroups(clear ? 0 : plan->groups.group_count, clear ? NULL : plan->groups.groups) != 0)
        return id_change_failed("set the supplementary groups", "setgroups",
                                "a group of the list does not exist", "SETGID", "gid_map");
    /* Read back, as warden's own drop does: a switch that did not happen is a failure. */
    if (privdrop_verify_groups(plan->groups.groups, clear ? 0 : plan->groups.group_count, why,
                               sizeof(why)) != 0)
        return faked("setgroups", why);
    return 0;
}

static int verify_gids(gid_t r, gid_t e)
{
    gid_t now_r, now_e, now_s;
    if (getresgid(&now_r, &now_e, &now_s) != 0)
        return filtered(-1, "read the gids", "getresgid");
    if (now_r != r || now_e != e || now_s != e) {
        char what[96];
        snprintf(what, sizeof(what), "gids are %u/%u/%u, not %u/%u/%u", now_r, now_e, now_s, r, e,
                 e);
        return faked("setresgid", what);
    }
    return 0;
}

static int verify_uids(uid_t r, uid_t e)
{
    uid_t now_r, now_e, now_s;
    if (getresuid(&now_r, &now_e, &now_s) != 0)
        return filtered(-1, "read the uids", "getresuid");
    if (now_r != r || now_e != e || now_s != e) {
        char what[96];
        snprintf(what, sizeof(what), "uids are %u/%u/%u, not %u/%u/%u", now_r, now_e, now_s, r, e,
                 e);
        return faked("setresuid", what);
    }
    return 0;
}

/* For id_change_failed: which of the new ids may be missing. */
static void describe_ids(char *out, size_t size, const char *kind, unsigned int r, unsigned int e)
{
    if (r == e)
        snprintf(out, size, "%s %u does not exist", kind, r);
    else
        snprintf(out, size, "%s %u or %u does not exist", kind, r, e);
}

/* --rgid, --egid, --regid: the saved gid follows the effective one. */
static int switch_gids(const struct setpriv_request *req)
{
    gid_t r, e, s;
    char ids[64];
    if (getresgid(&r, &e, &s) != 0)
        return filtered(-1, "read the gids", "getresgid");
    r = req->have_rgid ? req->rgid : r;
    e = req->have_egid ? req->egid : e;
    describe_ids(ids, sizeof(ids), "gid", r, e);
    if (setresgid(r, e, e) != 0)
        return id_change_failed("set the gids", "setresgid", ids, "SETGID", "gid_map");
    return verify_gids(r, e);
}

/* --ruid, --euid, --reuid: 0, or the exit code (said). */
static int switch_uids(const struct setpriv_request *req)
{
    uid_t r, e, s;
    char ids[64];
    if (getresuid(&r, &e, &s) != 0)
        return filtered(SETPRIV_APPLY, "read the uids", "getresuid");
    r = req->have_ruid ? req->ruid : r;
    e = req->have_euid ? req->euid : e;
    /* setpriv changes ids, not capabilities: the permitted set stays for --inh-caps and
     * --ambient-caps; the exec then decides what the program holds (and clears the flag). */
    if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) != 0) {
        log_error("setpriv: unable to keep the capabilities across the uid change (prctl "
                  "PR_SET_KEEPCAPS): %s: what started setpriv locked that flag (securebits), or "
                  "the container's seccomp profile refuses prctl: start setpriv without either",
                  strerror(errno));
        return SETPRIV_FAILED;
    }
    describe_ids(ids, sizeof(ids), "uid", r, e);
    if (setresuid(r, e, e) != 0) {
        id_change_failed("set the uids", "setresuid", ids, "SETUID", "uid_map");
        return SETPRIV_APPLY;
    }
    return verify_uids(r, e) != 0 ? SETPRIV_APPLY : 0;
}

static int apply_capabilities(const struct setpriv_request *req, const struct setpriv_plan *plan)
{
    char why[512];
    if (req->inh_caps && setpriv_set_inheritable(plan->inheritable, why, sizeof(why)) != 0)
        return setpriv_error("--inh-caps: %s", why);
    if (req->ambient_caps) {
        uint64_t refused;
        if (setpriv_set_ambient(plan->ambient, &refused, why, sizeof(why)) != 0)
            return setpriv_error("--ambient-caps: %s: allow prctl in the container's seccomp "
                                 "profile",
                                 why);
        /* setpriv goes on without them; warden says so. */
        for (unsigned int cap = 0; cap < 64; cap++) {
            char buf[16];
            const char *name = caps_name(cap, buf, sizeof(buf));
            if ((refused >> cap) & 1)
                log_warn("setpriv: --ambient-caps: %s not raised, the program goes on without "
                         "it: an ambient capability must be permitted and inheritable: add "
                         "--inh-caps +%s, and start setpriv with %s permitted",
                         name, name, name);
        }
    }
    return 0;
}

/* Only memory runs out here. */
static int env_failed(void)
{
    return setpriv_error("--reset-env: unable to set the environment: %s: the container is out "
                         "of memory: raise its memory limit (docker run --memory; Kubernetes: "
                         "resources.limits.memory)",
                         strerror(errno));
}

static int reset_environment(const struct identity *account)
{
    /* Copied: clearenv may free what getenv pointed into. */
    const char *old_term = getenv("TERM");
    char *term = old_term ? strdup(old_term) : NULL;
    if (old_term && !term)
        return env_failed();
    int rc = clearenv();
    if (rc == 0 && term)
        rc = setenv("TERM", term, 1);
    free(term);
    const char *path = account->uid == 0
                           ? "/usr/local/sbin:/usr/local/bin:/sbin:/bin:/usr/sbin:/usr/bin"
                           : "/usr/local/bin:/bin:/usr/bin";
    if (rc != 0 || setenv("SHELL", account->shell[0] ? account->shell : "/bin/sh", 1) != 0 ||
        setenv("HOME", account->home, 1) != 0 || setenv("USER", account->name, 1) != 0 ||
        setenv("LOGNAME", account->name, 1) != 0 || setenv("PATH", path, 1) != 0)
        return env_failed();
    return 0;
}

/* The steps before the ids change: 0, or the exit code (said). */
static int apply_before_ids(const struct setpriv_request *req, const struct setpriv_plan *plan,
                            int *kept_pdeathsig)
{
    char why[512];
    if (req->no_new_privs && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
        log_error("setpriv: --nnp: unable to set no_new_privs (prctl): %s: allow prctl in the "
                  "container's seccomp profile, or leave --nnp out",
                  strerror(errno));
        return SETPRIV_FAILED;
    }
    if (req->pdeathsig == PDEATHSIG_KEEP && prctl(PR_GET_PDEATHSIG, kept_pdeathsig) != 0) {
        log_error("setpriv: --pdeathsig keep: unable to read the parent death signal (prctl): "
                  "%s: allow prctl in the container's seccomp profile, or give the signal by "
                  "name",
                  strerror(errno));
        return SETPRIV_APPLY;
    }
    /* Dropping from the bounding set takes CAP_SETPCAP, so it comes before the uid. */
    if (req->bounding_set && caps_limit_bounding(plan->bounding, why, sizeof(why)) != 0) {
        log_error("setpriv: --bounding-set: %s: it takes CAP_SETPCAP and a seccomp profile that "
                  "allows prctl: run setpriv as root, in a container that keeps CAP_SETPCAP",
                  why);
        return SETPRIV_APPLY;
    }
    return 0;
}

int setpriv_apply(const struct setpriv_request *req, const struct setpriv_plan *plan)
{
    int kept_pdeathsig = 0;
    int status = apply_before_ids(req, plan, &kept_pdeathsig);
    if (status != 0)
        return status;
    if (switch_groups(req, plan) != 0 ||
        ((req->have_rgid || req->have_egid) && switch_gids(req) != 0))
        return SETPRIV_APPLY;
    status = req->have_ruid || req->have_euid ? switch_uids(req) : 0;
    if (status != 0)
        return status;
    if (apply_capabilities(req, plan) != 0)
        return SETPRIV_APPLY;
    if (req->reset_env && reset_environment(&plan->account) != 0)
        return SETPRIV_FAILED;
    /* Last, because a change of credentials clears it. */
    int pdeathsig = req->pdeathsig == PDEATHSIG_KEEP  ? kept_pdeathsig
                    : req->pdeathsig == PDEATHSIG_SET ? req->pdeathsig_signal
                                                      : 0;
    if (req->pdeathsig != PDEATHSIG_UNCHANGED && prctl(PR_SET_PDEATHSIG, pdeathsig) != 0) {
        log_error("setpriv: --pdeathsig: unable to set the parent death signal (prctl): %s: "
                  "allow prctl in the container's seccomp profile, or leave --pdeathsig out",
                  strerror(errno));
        return SETPRIV_APPLY;
    }
    return 0;
}
