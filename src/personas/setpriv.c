/* warden as util-linux setpriv: the subset entrypoints use, applied in place (no init
 * duties), with setpriv's own rules and exit codes. */
#include <errno.h>
#include <getopt.h>
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
#include "personas.h"
#include "setpriv.h"
#include "privdrop.h"
#include "signames.h"
#include "users.h"

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

/* Both ids an option sets, kind 'r' (real) or 'e' (effective), come through here once. */
static int twice(const char *option, char kind, const char *id)
{
    return setpriv_error("%s: the %s %s is given twice (--%c%s and --re%s both set it): give it "
                         "once",
                         option, kind == 'r' ? "real" : "effective", id, kind, id, id);
}

static int take_uid(const char *option, char kind, const char *text, bool *have, uid_t *uid)
{
    struct identity id;
    char why[512];
    if (*have)
        return twice(option, kind, "uid");
    if (user_lookup(text, &image_accounts, &id, why, sizeof(why)) != 0)
        return setpriv_error("%s: %s", option, why);
    *have = true;
    *uid = id.uid;
    return 0;
}

static int take_gid(const char *option, char kind, const char *text, bool *have, gid_t *gid)
{
    char why[512];
    if (*have)
        return twice(option, kind, "gid");
    if (group_lookup(text, &image_accounts, gid, why, sizeof(why)) != 0)
        return setpriv_error("%s: %s", option, why);
    *have = true;
    return 0;
}

static int take_groups(struct setpriv_request *req, enum groups_choice choice, const char *list)
{
    if (req->groups != GROUPS_UNCHANGED)
        return setpriv_error("%s", "--clear-groups, --keep-groups, --init-groups and --groups "
                                   "exclude each other: give one of them, once");
    req->groups = choice;
    req->group_list = list;
    return 0;
}

static int take_once(const char **slot, const char *option, const char *value)
{
    if (*slot)
        return setpriv_error("%s is given twice: give it once, with all its changes in one "
                             "comma-separated list",
                             option);
    *slot = value;
    return 0;
}

/* keep, clear, or a signal name (with or without SIG); setpriv takes no numbers. */
static int take_pdeathsig(struct setpriv_request *req, const char *text)
{
    if (req->pdeathsig != PDEATHSIG_UNCHANGED)
        return setpriv_error("%s", "--pdeathsig is given twice: give it once");
    if (strcmp(text, "keep") == 0) {
        req->pdeathsig = PDEATHSIG_KEEP;
    } else if (strcmp(text, "clear") == 0) {
        req->pdeathsig = PDEATHSIG_CLEAR;
    } else {
        int sig = text[0] >= '0' && text[0] <= '9' ? -1 : signal_from_name(text);
        if (sig <= 0)
            return setpriv_error("--pdeathsig: unknown signal '%s': give keep, clear or a signal "
                                 "name, like TERM or SIGTERM (not a number)",
                                 text);
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
            return setpriv_error("%s", "--no-new-privs (--nnp) is given twice: give it once");
        req->no_new_privs = true;
        break;
    case OPT_INH_CAPS:
        return take_once(&req->inh_caps, "--inh-caps", arg);
    case OPT_AMBIENT_CAPS:
        return take_once(&req->ambient_caps, "--ambient-caps", arg);
    case OPT_BOUNDING_SET:
        return take_once(&req->bounding_set, "--bounding-set", arg);
    case OPT_RUID:
        return take_uid("--ruid", 'r', arg, &req->have_ruid, &req->ruid);
    case OPT_EUID:
        return take_uid("--euid", 'e', arg, &req->have_euid, &req->euid);
    case OPT_REUID:
        if (take_uid("--reuid", 'r', arg, &req->have_ruid, &req->ruid) != 0)
            return -1;
        return take_uid("--reuid", 'e', arg, &req->have_euid, &req->euid);
    case OPT_RGID:
        return take_gid("--rgid", 'r', arg, &req->have_rgid, &req->rgid);
    case OPT_EGID:
        return take_gid("--egid", 'e', arg, &req->have_egid, &req->egid);
    case OPT_REGID:
        if (take_gid("--regid", 'r', arg, &req->have_rgid, &req->rgid) != 0)
            return -1;
        return take_gid("--regid", 'e', arg, &req->have_egid, &req->egid);
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

int setpriv_parse(int argc, char **argv, struct setpriv_request *req)
{
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
            return setpriv_error("--%s is not supported by warden's setpriv: leave it out, or use "
                                 "util-linux's setpriv for it (setpriv --help lists what warden "
                                 "takes)",
                                 options[index].name);
        case ':':
            return setpriv_error("option '%s' needs a value: give it as %s VALUE (see setpriv "
                                 "--help)",
                                 argv[optind - 1], argv[optind - 1]);
        case '?': {
            char why[320];
            persona_bad_option(options, argv[optind - 1], optopt, why, sizeof(why));
            return setpriv_error("%s (see setpriv --help)", why);
        }
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

int setpriv_check(const struct setpriv_request *req)
{
    if (req->dump_level > 0) {
        if (req->other_options || req->command[0])
            return setpriv_error("%s", "--dump takes no other option and no program: give it "
                                       "alone (-d -d or -d -d -d says more)");
        return 0;
    }
    if (!req->command[0])
        return setpriv_error("%s", "no program given: name it after the options, as in setpriv "
                                   "--reuid app --regid app --init-groups myserver");
    if ((req->have_rgid || req->have_egid) && req->groups == GROUPS_UNCHANGED)
        return setpriv_error("%s", "--rgid, --egid and --regid need a choice of supplementary "
                                   "groups: add --keep-groups, --clear-groups, --init-groups or "
                                   "--groups LIST");
    if (req->groups == GROUPS_INIT && !req->have_ruid)
        return setpriv_error("%s", "--init-groups needs the user whose groups it takes: add "
                                   "--ruid USER or --reuid USER");
    return 0;
}

int setpriv_main(int argc, char **argv)
{
    struct setpriv_request req = {0};
    int parsed = setpriv_parse(argc, argv, &req);
    if (parsed <= 0)
        return parsed == 0 ? 0 : SETPRIV_USAGE;
    if (setpriv_check(&req) != 0)
        return SETPRIV_USAGE;
    if (req.dump_level > 0)
        return setpriv_dump(req.dump_level) == 0 ? 0 : SETPRIV_FAILED;
    if (privdrop_refuse_setuid_install() != 0)
        return SETPRIV_USAGE;

    struct setpriv_plan plan;
    memset(&plan, 0, sizeof(plan));
    int planned = setpriv_plan(&req, &plan);
    int status = planned < 0 ? SETPRIV_USAGE : planned > 0 ? planned : setpriv_apply(&req, &plan);
    identity_free(&plan.groups);
    identity_free(&plan.account);
    if (status != 0)
        return status;
    return persona_exec("setpriv", req.command, true) == ENOENT ? SETPRIV_NOENT : SETPRIV_NOEXEC;
}
