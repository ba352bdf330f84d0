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

int setpriv_plan(const struct setpriv_request *req, struct setpriv_plan *plan)
{
    char why[512];
    struct cap_sets now;
    /* The capability options start from the current sets; nothing to read without them. */
    bool changes_caps = req->inh_caps || req->ambient_caps || req->bounding_set;
    if (changes_caps && caps_read_sets(&now, why, sizeof(why)) != 0) {
        log_error("setpriv: %s", why);
        return -1;
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
        if (!plan->account.has_name) {
            log_error("setpriv: uid %u not found, --init-groups requires a user in %s",
                      (unsigned int)req->ruid, image_accounts.passwd);
            return -1;
        }
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
        if (!plan->account.has_name) {
            log_error("setpriv: --reset-env: neither uid %u nor uid %u is in %s",
                      (unsigned int)(req->have_ruid ? req->ruid : caller), (unsigned int)caller,
                      image_accounts.passwd);
            return -1;
        }
    }
    return 0;
}

static int fail_apply(const char *what)
{
    log_error("setpriv: %s: %s", what, strerror(errno));
    return -1;
}

static int switch_groups(const struct setpriv_request *req, const struct setpriv_plan *plan)
{
    char why[256];
    bool clear = req->groups == GROUPS_CLEAR;
    if (req->groups == GROUPS_UNCHANGED || req->groups == GROUPS_KEEP)
        return 0;
    if (setgroups(clear ? 0 : plan->groups.group_count, clear ? NULL : plan->groups.groups) != 0)
        return fail_apply("setgroups failed");
    /* Read back, as warden's own drop does: a switch that did not happen is a failure. */
    if (privdrop_verify_groups(plan->groups.groups, clear ? 0 : plan->groups.group_count, why,
                               sizeof(why)) != 0)
        return setpriv_error("setgroups did not take effect: %s", why);
    return 0;
}

static int verify_gids(gid_t r, gid_t e)
{
    gid_t now_r, now_e, now_s;
    if (getresgid(&now_r, &now_e, &now_s) != 0)
        return fail_apply("getresgid failed");
    if (now_r != r || now_e != e || now_s != e)
        return setpriv_error("setresgid did not take effect: gids are %u/%u/%u, not %u/%u/%u",
                             now_r, now_e, now_s, r, e, e);
    return 0;
}

static int verify_uids(uid_t r, uid_t e)
{
    uid_t now_r, now_e, now_s;
    if (getresuid(&now_r, &now_e, &now_s) != 0)
        return fail_apply("getresuid failed");
    if (now_r != r || now_e != e || now_s != e)
        return setpriv_error("setresuid did not take effect: uids are %u/%u/%u, not %u/%u/%u",
                             now_r, now_e, now_s, r, e, e);
    return 0;
}

static int switch_ids(const struct setpriv_request *req, const struct setpriv_plan *plan)
{
    if (switch_groups(req, plan) != 0)
        return -1;
    if (req->have_rgid || req->have_egid) {
        gid_t r, e, s;
        if (getresgid(&r, &e, &s) != 0)
            return fail_apply("getresgid failed");
        r = req->have_rgid ? req->rgid : r;
        e = req->have_egid ? req->egid : e;
        /* The saved id follows the effective one, so nothing is left to return to. */
        if (setresgid(r, e, e) != 0)
            return fail_apply("setresgid failed");
        if (verify_gids(r, e) != 0)
            return -1;
    }
    if (req->have_ruid || req->have_euid) {
        uid_t r, e, s;
        if (getresuid(&r, &e, &s) != 0)
            return fail_apply("getresuid failed");
        r = req->have_ruid ? req->ruid : r;
        e = req->have_euid ? req->euid : e;
        /* setpriv changes ids, not capabilities: the permitted set stays for --inh-caps
         * and --ambient-caps; the exec then decides what the program holds. */
        if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) != 0)
            return fail_apply("keep capabilities");
        if (setresuid(r, e, e) != 0)
            return fail_apply("setresuid failed");
        if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) != 0)
            return fail_apply("reset keep capabilities");
        if (verify_uids(r, e) != 0)
            return -1;
    }
    return 0;
}

static int apply_capabilities(const struct setpriv_request *req, const struct setpriv_plan *plan)
{
    char why[512];
    if (req->inh_caps && setpriv_set_inheritable(plan->inheritable, why, sizeof(why)) != 0)
        return setpriv_error("%s", why);
    if (req->ambient_caps) {
        uint64_t refused;
        if (setpriv_set_ambient(plan->ambient, &refused, why, sizeof(why)) != 0)
            return setpriv_error("%s", why);
        /* setpriv goes on without them; warden says so. */
        for (unsigned int cap = 0; cap < 64; cap++) {
            char buf[16];
            if ((refused >> cap) & 1)
                log_warn("setpriv: ambient capability %s not raised: it must be permitted "
                         "and inheritable",
                         caps_name(cap, buf, sizeof(buf)));
        }
    }
    return 0;
}

static int reset_environment(const struct identity *account)
{
    /* Copied: clearenv may free what getenv pointed into. */
    const char *old_term = getenv("TERM");
    char *term = old_term ? strdup(old_term) : NULL;
    if (old_term && !term)
        return fail_apply("reset the environment");
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
        return fail_apply("reset the environment");
    return 0;
}

int setpriv_apply(const struct setpriv_request *req, const struct setpriv_plan *plan)
{
    char why[512];
    int kept_pdeathsig = 0;
    if (req->no_new_privs && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
        return fail_apply("disallow granting new privileges failed");
    if (req->pdeathsig == PDEATHSIG_KEEP && prctl(PR_GET_PDEATHSIG, &kept_pdeathsig) != 0)
        return fail_apply("read the parent death signal");
    /* Dropping from the bounding set takes CAP_SETPCAP, so it comes before the uid. */
    if (req->bounding_set && caps_limit_bounding(plan->bounding, why, sizeof(why)) != 0)
        return setpriv_error("%s", why);
    if (switch_ids(req, plan) != 0 || apply_capabilities(req, plan) != 0)
        return -1;
    if (req->reset_env && reset_environment(&plan->account) != 0)
        return -1;
    /* Last, because a change of credentials clears it. */
    int pdeathsig = req->pdeathsig == PDEATHSIG_KEEP  ? kept_pdeathsig
                    : req->pdeathsig == PDEATHSIG_SET ? req->pdeathsig_signal
                                                      : 0;
    if (req->pdeathsig != PDEATHSIG_UNCHANGED && prctl(PR_SET_PDEATHSIG, pdeathsig) != 0)
        return fail_apply("set the parent death signal");
    return 0;
}
