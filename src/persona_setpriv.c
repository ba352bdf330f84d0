/* warden as util-linux setpriv: the subset entrypoints use, applied in place (no init
 * duties), with setpriv's own rules and exit codes. */
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
#include "personality.h"
#include "privdrop.h"
#include "signames.h"
#include "users.h"

/* setpriv's exit codes: 1 for usage, 127 when a setting cannot be applied, and 126 or 127
 * when the program cannot be run. */
#define SETPRIV_USAGE  1
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

enum {
    OPT_NNP = 256,
    OPT_INH_CAPS,
    OPT_AMBIENT_CAPS,
    OPT_BOUNDING_SET,
    OPT_RUID,
    OPT_EUID,
    OPT_RGID,
    OPT_EGID,
    OPT_REUID,
    OPT_REGID,
    OPT_CLEAR_GROUPS,
    OPT_KEEP_GROUPS,
    OPT_INIT_GROUPS,
    OPT_GROUPS,
    OPT_PDEATHSIG,
    OPT_RESET_ENV,
    OPT_UNSUPPORTED,
};

static const struct account_files account_files = {"/etc/passwd", "/etc/group"};

static void setpriv_usage(FILE *to)
{
    fprintf(to,
            "\nUsage:\n setpriv [options] <program> [<argument>...]\n\n"
            "Run a program with different privilege settings (warden %s answering as "
            "setpriv).\n\n"
            "Options:\n"
            " -d, --dump                  show current state (and do not exec)\n"
            " --nnp, --no-new-privs       disallow granting new privileges\n"
            " --ambient-caps <caps,...>   set ambient capabilities\n"
            " --inh-caps <caps,...>       set inheritable capabilities\n"
            " --bounding-set <caps>       set capability bounding set\n"
            " --ruid <uid|user>           set real uid\n"
            " --euid <uid|user>           set effective uid\n"
            " --rgid <gid|group>          set real gid\n"
            " --egid <gid|group>          set effective gid\n"
            " --reuid <uid|user>          set real and effective uid\n"
            " --regid <gid|group>         set real and effective gid\n"
            " --clear-groups              clear supplementary groups\n"
            " --keep-groups               keep supplementary groups\n"
            " --init-groups               initialize supplementary groups\n"
            " --groups <group,...>        set supplementary groups by GID or name\n"
            " --pdeathsig keep|clear|<signame>\n"
            "                             set or clear parent death signal\n"
            " --reset-env                 clear all environment and initialize\n"
            "                               HOME, SHELL, USER, LOGNAME and PATH\n\n"
            " -h, --help                  display this help\n"
            " -V, --version               display version\n\n"
            "Not in warden's subset (refused): --securebits, --selinux-label,\n"
            "--apparmor-profile, --list-caps, --landlock-access, --landlock-rule,\n"
            "--seccomp-filter.\n",
            WARDEN_VERSION);
}

/* One "warden: setpriv: ..." line; returns -1 for the caller to pass on. */
__attribute__((format(printf, 1, 2))) static int say_error(const char *fmt, ...)
{
    char message[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(message, sizeof(message), fmt, ap);
    va_end(ap);
    log_error("setpriv: %s", message);
    return -1;
}

static int take_uid(const char *option, const char *text, bool *have, uid_t *uid)
{
    struct identity id;
    char why[512];
    if (*have)
        return say_error("duplicate %s", option);
    if (user_lookup(text, &account_files, &id, why, sizeof(why)) != 0) {
        log_error("setpriv: %s: %s", option, why);
        return -1;
    }
    *have = true;
    *uid = id.uid;
    return 0;
}

static int take_gid(const char *option, const char *text, bool *have, gid_t *gid)
{
    char why[512];
    if (*have)
        return say_error("duplicate %s", option);
    if (group_lookup(text, &account_files, gid, why, sizeof(why)) != 0) {
        log_error("setpriv: %s: %s", option, why);
        return -1;
    }
    *have = true;
    return 0;
}

static int take_groups(struct setpriv_request *req, enum groups_choice choice, const char *list)
{
    if (req->groups != GROUPS_UNCHANGED)
        return say_error("%s", "mutually exclusive arguments: --clear-groups --keep-groups "
                               "--init-groups --groups");
    req->groups = choice;
    req->group_list = list;
    return 0;
}

static int take_once(const char **slot, const char *option, const char *value)
{
    if (*slot)
        return say_error("duplicate %s option", option);
    *slot = value;
    return 0;
}

/* keep, clear, or a signal name (with or without SIG); setpriv takes no numbers. */
static int take_pdeathsig(struct setpriv_request *req, const char *text)
{
    if (req->pdeathsig != PDEATHSIG_UNCHANGED)
        return say_error("%s", "duplicate --pdeathsig option");
    if (strcmp(text, "keep") == 0) {
        req->pdeathsig = PDEATHSIG_KEEP;
    } else if (strcmp(text, "clear") == 0) {
        req->pdeathsig = PDEATHSIG_CLEAR;
    } else {
        int sig = text[0] >= '0' && text[0] <= '9' ? -1 : signal_from_name(text);
        if (sig <= 0)
            return say_error("unknown signal: %s", text);
        req->pdeathsig = PDEATHSIG_SET;
        req->pdeathsig_signal = sig;
    }
    return 0;
}

static int parse_option(struct setpriv_request *req, int opt, const char *arg)
{
    switch (opt) {
    case 'd':
        req->dump_level++;
        return 0;
    case OPT_NNP:
        if (req->no_new_privs)
            return say_error("%s", "duplicate --no-new-privs option");
        req->no_new_privs = true;
        break;
    case OPT_INH_CAPS:
        return take_once(&req->inh_caps, "--inh-caps", arg);
    case OPT_AMBIENT_CAPS:
        return take_once(&req->ambient_caps, "--ambient-caps", arg);
    case OPT_BOUNDING_SET:
        return take_once(&req->bounding_set, "--bounding-set", arg);
    case OPT_RUID:
        return take_uid("ruid", arg, &req->have_ruid, &req->ruid);
    case OPT_EUID:
        return take_uid("euid", arg, &req->have_euid, &req->euid);
    case OPT_REUID:
        if (take_uid("ruid", arg, &req->have_ruid, &req->ruid) != 0)
            return -1;
        return take_uid("euid", arg, &req->have_euid, &req->euid);
    case OPT_RGID:
        return take_gid("rgid", arg, &req->have_rgid, &req->rgid);
    case OPT_EGID:
        return take_gid("egid", arg, &req->have_egid, &req->egid);
    case OPT_REGID:
        if (take_gid("rgid", arg, &req->have_rgid, &req->rgid) != 0)
            return -1;
        return take_gid("egid", arg, &req->have_egid, &req->egid);
    case OPT_CLEAR_GROUPS:
        return take_groups(req, GROUPS_CLEAR, NULL);
    case OPT_KEEP_GROUPS:
        return take_groups(req, GROUPS_KEEP, NULL);
    case OPT_INIT_GROUPS:
        return take_groups(req, GROUPS_INIT, NULL);
    case OPT_GROUPS:
        return take_groups(req, GROUPS_LIST, arg);
    case OPT_PDEATHSIG:
        return take_pdeathsig(req, arg);
    case OPT_RESET_ENV:
        req->reset_env = true;
        break;
    }
    return 0;
}

/* Returns 1 to run, 0 when done (help, version), -1 on a usage error. */
static int parse_command_line(int argc, char **argv, struct setpriv_request *req)
{
    static const struct option options[] = {
        {"dump", no_argument, NULL, 'd'},
        {"nnp", no_argument, NULL, OPT_NNP},
        {"no-new-privs", no_argument, NULL, OPT_NNP},
        {"inh-caps", required_argument, NULL, OPT_INH_CAPS},
        {"ambient-caps", required_argument, NULL, OPT_AMBIENT_CAPS},
        {"bounding-set", required_argument, NULL, OPT_BOUNDING_SET},
        {"ruid", required_argument, NULL, OPT_RUID},
        {"euid", required_argument, NULL, OPT_EUID},
        {"rgid", required_argument, NULL, OPT_RGID},
        {"egid", required_argument, NULL, OPT_EGID},
        {"reuid", required_argument, NULL, OPT_REUID},
        {"regid", required_argument, NULL, OPT_REGID},
        {"clear-groups", no_argument, NULL, OPT_CLEAR_GROUPS},
        {"keep-groups", no_argument, NULL, OPT_KEEP_GROUPS},
        {"init-groups", no_argument, NULL, OPT_INIT_GROUPS},
        {"groups", required_argument, NULL, OPT_GROUPS},
        {"pdeathsig", required_argument, NULL, OPT_PDEATHSIG},
        {"reset-env", no_argument, NULL, OPT_RESET_ENV},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        /* setpriv's other options: named in the refusal, never silently ignored. */
        {"securebits", required_argument, NULL, OPT_UNSUPPORTED},
        {"selinux-label", required_argument, NULL, OPT_UNSUPPORTED},
        {"apparmor-profile", required_argument, NULL, OPT_UNSUPPORTED},
        {"list-caps", no_argument, NULL, OPT_UNSUPPORTED},
        {"landlock-access", required_argument, NULL, OPT_UNSUPPORTED},
        {"landlock-rule", required_argument, NULL, OPT_UNSUPPORTED},
        {"seccomp-filter", required_argument, NULL, OPT_UNSUPPORTED},
        {NULL, 0, NULL, 0},
    };
    req->command = argv + argc; /* none yet: the terminating NULL */
    opterr = 0;
    optind = 0;
    int index = -1;
    for (int opt; (opt = getopt_long(argc, argv, "+:dhV", options, &index)) != -1; index = -1) {
        switch (opt) {
        case 'h':
            setpriv_usage(stdout);
            return 0;
        case 'V':
            printf("setpriv from util-linux 2.38.1 (warden %s)\n", WARDEN_VERSION);
            return 0;
        case OPT_UNSUPPORTED:
            log_error("setpriv: --%s is not supported by warden's setpriv (see setpriv --help "
                      "for the options it takes)",
                      options[index].name);
            return -1;
        case ':':
            return say_error("option '%s' requires an argument", argv[optind - 1]);
        case '?':
            return say_error("unrecognized option '%s' (see setpriv --help)", argv[optind - 1]);
        default:
            if (opt != 'd')
                req->other_options = true;
            if (parse_option(req, opt, optarg) != 0)
                return -1;
        }
    }
    req->command = argv + optind;
    return 1;
}

/* setpriv's rules on what goes together. */
static int check_request(const struct setpriv_request *req)
{
    if (req->dump_level > 0) {
        if (req->other_options || req->command[0])
            return say_error("%s", "--dump is incompatible with all other options");
        return 0;
    }
    if (!req->command[0])
        return say_error("%s", "No program specified");
    if ((req->have_rgid || req->have_egid) && req->groups == GROUPS_UNCHANGED)
        return say_error("%s", "--[re]gid requires --keep-groups, --clear-groups, "
                               "--init-groups, or --groups");
    if (req->groups == GROUPS_INIT && !req->have_ruid)
        return say_error("%s", "--init-groups requires --ruid or --reuid");
    return 0;
}

/* "+cap,-cap,+all,-cap_N" applied in order to start. */
static int parse_cap_changes(const char *option, const char *text, uint64_t start, uint64_t *out)
{
    unsigned int last = caps_last();
    uint64_t known = last >= 63 ? ~0ull : (1ull << (last + 1)) - 1;
    uint64_t set = start;
    const char *p = text;
    for (;;) {
        char name[64];
        size_t len = strcspn(p, ",");
        if (len < 2 || len >= sizeof(name) || (p[0] != '+' && p[0] != '-')) {
            log_error("setpriv: %s: bad capability string '%s' (+cap or -cap, comma-separated)",
                      option, text);
            return -1;
        }
        memcpy(name, p + 1, len - 1);
        name[len - 1] = '\0';
        uint64_t bits;
        unsigned long number;
        if (strcasecmp(name, "all") == 0) {
            bits = known;
        } else if (strncasecmp(name, "cap_", 4) == 0 &&
                   parse_unsigned(name + 4, last, &number) == 0) {
            bits = 1ull << number;
        } else {
            int cap = caps_from_name(name);
            if (cap < 0 || (unsigned int)cap > last) {
                log_error("setpriv: %s: unknown capability \"%s\"", option, name);
                return -1;
            }
            bits = 1ull << cap;
        }
        set = p[0] == '+' ? set | bits : set & ~bits;
        if (p[len] == '\0')
            break;
        p += len + 1;
    }
    *out = set;
    return 0;
}

static int plan_request(const struct setpriv_request *req, struct setpriv_plan *plan)
{
    char why[512];
    struct cap_sets now;
    /* The capability options start from the current sets; nothing to read without them. */
    bool changes_caps = req->inh_caps || req->ambient_caps || req->bounding_set;
    if (changes_caps && caps_read_sets(&now, why, sizeof(why)) != 0) {
        log_error("setpriv: %s", why);
        return -1;
    }
    if ((req->inh_caps && parse_cap_changes("--inh-caps", req->inh_caps, now.inheritable,
                                            &plan->inheritable) != 0) ||
        (req->ambient_caps && parse_cap_changes("--ambient-caps", req->ambient_caps, now.ambient,
                                                &plan->ambient) != 0) ||
        (req->bounding_set && parse_cap_changes("--bounding-set", req->bounding_set, now.bounding,
                                                &plan->bounding) != 0))
        return -1;

    if (req->groups == GROUPS_LIST &&
        groups_append_list(req->group_list, &account_files, &plan->groups, why, sizeof(why)) != 0)
        return say_error("--groups: %s", why);
    if (req->groups == GROUPS_INIT || req->reset_env) {
        if (user_lookup_uid(req->have_ruid ? req->ruid : getuid(), &account_files, &plan->account,
                            why, sizeof(why)) != 0)
            return say_error("%s", why);
    }
    if (req->groups == GROUPS_INIT) {
        if (!plan->account.has_name) {
            log_error("setpriv: uid %u not found, --init-groups requires a user in %s",
                      (unsigned int)req->ruid, account_files.passwd);
            return -1;
        }
        plan->groups.gid = plan->account.gid;
        strcpy(plan->groups.name, plan->account.name);
        if (groups_append_initial(&account_files, &plan->groups, why, sizeof(why)) != 0)
            return say_error("--init-groups: %s", why);
    }
    /* setpriv describes the caller when the new uid has no entry. */
    if (req->reset_env && !plan->account.has_name) {
        uid_t caller = getuid();
        if (user_lookup_uid(caller, &account_files, &plan->account, why, sizeof(why)) != 0)
            return say_error("%s", why);
        if (!plan->account.has_name) {
            log_error("setpriv: --reset-env: neither uid %u nor uid %u is in %s",
                      (unsigned int)(req->have_ruid ? req->ruid : caller), (unsigned int)caller,
                      account_files.passwd);
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

static int switch_ids(const struct setpriv_request *req, const struct setpriv_plan *plan)
{
    if (req->groups == GROUPS_CLEAR && setgroups(0, NULL) != 0)
        return fail_apply("setgroups failed");
    if ((req->groups == GROUPS_LIST || req->groups == GROUPS_INIT) &&
        setgroups(plan->groups.group_count, plan->groups.groups) != 0)
        return fail_apply("setgroups failed");
    if (req->have_rgid || req->have_egid) {
        gid_t r, e, s;
        if (getresgid(&r, &e, &s) != 0)
            return fail_apply("getresgid failed");
        r = req->have_rgid ? req->rgid : r;
        e = req->have_egid ? req->egid : e;
        /* The saved id follows the effective one, so nothing is left to return to. */
        if (setresgid(r, e, e) != 0)
            return fail_apply("setresgid failed");
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
    }
    return 0;
}

static int apply_capabilities(const struct setpriv_request *req, const struct setpriv_plan *plan)
{
    char why[512];
    if (req->inh_caps && caps_set_inheritable(plan->inheritable, why, sizeof(why)) != 0)
        return say_error("%s", why);
    if (req->ambient_caps) {
        uint64_t refused;
        if (caps_set_ambient(plan->ambient, &refused, why, sizeof(why)) != 0)
            return say_error("%s", why);
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

static int apply_request(const struct setpriv_request *req, const struct setpriv_plan *plan)
{
    char why[512];
    int kept_pdeathsig = 0;
    if (req->no_new_privs && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
        return fail_apply("disallow granting new privileges failed");
    if (req->pdeathsig == PDEATHSIG_KEEP && prctl(PR_GET_PDEATHSIG, &kept_pdeathsig) != 0)
        return fail_apply("read the parent death signal");
    /* Dropping from the bounding set takes CAP_SETPCAP, so it comes before the uid. */
    if (req->bounding_set && caps_limit_bounding(plan->bounding, why, sizeof(why)) != 0)
        return say_error("%s", why);
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

int setpriv_main(int argc, char **argv)
{
    struct setpriv_request req = {0};
    int parsed = parse_command_line(argc, argv, &req);
    if (parsed <= 0)
        return parsed == 0 ? 0 : SETPRIV_USAGE;
    if (check_request(&req) != 0)
        return SETPRIV_USAGE;
    if (req.dump_level > 0)
        return setpriv_dump(req.dump_level) == 0 ? 0 : SETPRIV_APPLY;
    if (privdrop_refuse_setuid_install() != 0)
        return SETPRIV_USAGE;

    struct setpriv_plan plan;
    memset(&plan, 0, sizeof(plan));
    int status = 0;
    if (plan_request(&req, &plan) != 0)
        status = SETPRIV_USAGE;
    else if (apply_request(&req, &plan) != 0)
        status = SETPRIV_APPLY;
    identity_free(&plan.groups);
    identity_free(&plan.account);
    if (status != 0)
        return status;
    execvp(req.command[0], req.command);
    int exec_errno = errno;
    log_error("setpriv: failed to execute %s: %s", req.command[0], strerror(exec_errno));
    return exec_errno == ENOENT ? SETPRIV_NOENT : SETPRIV_NOEXEC;
}
