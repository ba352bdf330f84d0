/* The table of warden's options and one handler per option. Handlers only fill the config
 * (nothing acts while parsing); cli.c runs them for the command line and WARDEN_*. */
#include "options.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "health_options.h"
#include "start_options.h"
#include "parse.h"
#include "signames.h"
#include "volume_mode.h"
#include "volumes.h"

static enum option_result on_help(struct config *cfg, const char *value, char *why, size_t why_size)
{
    (void)cfg, (void)value, (void)why, (void)why_size;
    options_print_help(stdout);
    fflush(stdout);
    return OPTION_DONE;
}

static enum option_result on_version(struct config *cfg, const char *value, char *why,
                                     size_t why_size)
{
    (void)cfg, (void)value, (void)why, (void)why_size;
    printf("warden %s\n", WARDEN_VERSION);
    fflush(stdout);
    return OPTION_DONE;
}

static enum option_result on_user(struct config *cfg, const char *value, char *why, size_t why_size)
{
    if (*value == '\0')
        return say_why(why, why_size, "empty user: give a name or number, as in app or 1000:1000");
    cfg->user = value;
    return OPTION_SET;
}

static enum option_result on_groups(struct config *cfg, const char *value, char *why,
                                    size_t why_size)
{
    (void)why, (void)why_size;
    cfg->groups = value;
    cfg->groups_given = true;
    return OPTION_SET;
}

static enum option_result on_cap(struct config *cfg, const char *value, char *why, size_t why_size)
{
    return caps_parse_list(value, &cfg->caps, why, why_size) == 0 ? OPTION_SET : OPTION_FAILED;
}

static void reset_cap(struct config *cfg)
{
    cfg->caps.kept_count = 0;
}

/* A repeatable option's values, up to CONFIG_LIST_MAX. */
enum option_result option_append(const char **list, size_t *count, const char *value, char *why,
                                 size_t why_size)
{
    if (*count == CONFIG_LIST_MAX)
        return say_why(why, why_size, "more than %d values: give at most %d", CONFIG_LIST_MAX,
                       CONFIG_LIST_MAX);
    list[(*count)++] = value;
    return OPTION_SET;
}

static enum option_result on_chown(struct config *cfg, const char *value, char *why,
                                   size_t why_size)
{
    if (value[0] != '/')
        return say_why(why, why_size, "'%s' is not an absolute path: give it from /, as in /data",
                       value);
    return option_append(cfg->chown_paths, &cfg->chown_count, value, why, why_size);
}

static void reset_chown(struct config *cfg)
{
    cfg->chown_count = 0;
}

static enum option_result on_chown_best_effort(struct config *cfg, const char *value, char *why,
                                               size_t why_size)
{
    (void)why, (void)why_size;
    cfg->chown_best_effort = strcmp(value, "1") == 0;
    return OPTION_SET;
}

static enum option_result on_chown_to(struct config *cfg, const char *value, char *why,
                                      size_t why_size)
{
    if (*value == '\0') {
        snprintf(why, why_size, "empty owner: give USER, USER:GROUP or :GROUP");
        return OPTION_FAILED;
    }
    cfg->chown_to = value;
    return OPTION_SET;
}

static enum option_result on_chown_policy(struct config *cfg, const char *value, char *why,
                                          size_t why_size)
{
    if (volume_policy_parse(value, &cfg->chown_policy) == 0)
        return OPTION_SET;
    snprintf(why, why_size, "'%s' is not a policy: give always or root-mismatch", value);
    return OPTION_FAILED;
}

static enum option_result on_chmod(struct config *cfg, const char *value, char *why,
                                   size_t why_size)
{
    return mode_parse(value, &cfg->chmod, why, why_size) == 0 ? OPTION_SET : OPTION_FAILED;
}

static enum option_result on_allow_escalation(struct config *cfg, const char *value, char *why,
                                              size_t why_size)
{
    (void)why, (void)why_size;
    cfg->caps.harden = strcmp(value, "1") != 0;
    return OPTION_SET;
}

static enum option_result on_grace(struct config *cfg, const char *value, char *why,
                                   size_t why_size)
{
    if (parse_seconds(value, 86400ul * 365, false, &cfg->grace_ns, why, why_size) != 0)
        return OPTION_FAILED;
    cfg->grace_given = true;
    return OPTION_SET;
}

static enum option_result on_process_group(struct config *cfg, const char *value, char *why,
                                           size_t why_size)
{
    (void)why, (void)why_size;
    cfg->process_group = strcmp(value, "1") == 0;
    return OPTION_SET;
}

static enum option_result signal_value(const char *text, bool allow_none, int *out, char *why,
                                       size_t why_size)
{
    if (allow_none && (strcasecmp(text, "none") == 0 || strcmp(text, "0") == 0)) {
        *out = SIGNAL_DROPPED;
        return OPTION_SET;
    }
    int sig = signal_from_name(text);
    if (sig <= 0 || sig >= WARDEN_NSIG)
        return say_why(why, why_size,
                       "unknown signal '%s': give a name like TERM or SIGTERM, or a number from 1 "
                       "to %d",
                       text, WARDEN_NSIG - 1);
    *out = sig;
    return OPTION_SET;
}

static enum option_result on_rewrite(struct config *cfg, const char *value, char *why,
                                     size_t why_size)
{
    char from_text[64], to_text[64];
    int from, to;
    if (parse_pair(value, from_text, to_text, sizeof(from_text)) != 0)
        return say_why(why, why_size, "'%s' is not FROM:TO: give two signals, as in TERM:QUIT",
                       value);
    if (signal_value(from_text, false, &from, why, why_size) != OPTION_SET ||
        signal_value(to_text, true, &to, why, why_size) != OPTION_SET)
        return OPTION_FAILED;
    if (from == SIGKILL || from == SIGSTOP || from == SIGCHLD)
        return say_why(why, why_size,
                       "'%s': KILL, STOP and CHLD cannot be rewritten (the program never sees "
                       "them as requests): leave this rewrite out",
                       value);
    config_rewrite_signal(cfg, from, to);
    return OPTION_SET;
}

static enum option_result on_remap_exit(struct config *cfg, const char *value, char *why,
                                        size_t why_size)
{
    char from_text[64], to_text[64];
    unsigned long from, to;
    if (parse_pair(value, from_text, to_text, sizeof(from_text)) != 0)
        return say_why(why, why_size, "'%s' is not FROM:TO: give two exit codes, as in 143:0",
                       value);
    if (parse_unsigned(from_text, 255, &from) != 0 || parse_unsigned(to_text, 255, &to) != 0)
        return say_why(why, why_size, "'%s': exit codes are numbers from 0 to 255", value);
    config_remap_exit(cfg, (int)from, (int)to);
    return OPTION_SET;
}

static enum option_result on_stop_signal(struct config *cfg, const char *value, char *why,
                                         size_t why_size)
{
    return signal_value(value, false, &cfg->stop_signal, why, why_size);
}

static enum option_result on_pdeathsig(struct config *cfg, const char *value, char *why,
                                       size_t why_size)
{
    return signal_value(value, false, &cfg->pdeathsig, why, why_size);
}

static enum option_result on_log_format(struct config *cfg, const char *value, char *why,
                                        size_t why_size)
{
    if (strcmp(value, "json") == 0)
        cfg->log_format = LOG_FORMAT_JSON;
    else if (strcmp(value, "text") == 0)
        cfg->log_format = LOG_FORMAT_TEXT;
    else
        return say_why(why, why_size, "'%s' is not a log format: give text or json", value);
    return OPTION_SET;
}

static enum option_result on_verbose(struct config *cfg, const char *value, char *why,
                                     size_t why_size)
{
    unsigned long level;
    if (!value) {
        if (cfg->verbosity < 9)
            cfg->verbosity = cfg->verbosity < 0 ? 1 : cfg->verbosity + 1;
        return OPTION_SET;
    }
    if (parse_unsigned(value, 9, &level) != 0)
        return say_why(why, why_size, "'%s' is not a verbosity level: give a number from 0 to 9",
                       value);
    cfg->verbosity = (int)level;
    return OPTION_SET;
}

static void reset_verbose(struct config *cfg)
{
    cfg->verbosity = 0;
}

static enum option_result on_quiet(struct config *cfg, const char *value, char *why,
                                   size_t why_size)
{
    (void)why, (void)why_size;
    if (strcmp(value, "1") == 0)
        cfg->verbosity = -1;
    return OPTION_SET;
}

/* In --help order. */
const struct option_row option_rows[] = {
    {"user", 'u', OPTION_VALUE, true, "USER[:GROUP]",
     "run as USER (name or number) from the image's\n/etc/passwd; warden drops to it too, "
     "before starting\nCOMMAND. Sets HOME, USER and LOGNAME",
     on_user, NULL},
    {"groups", 'G', OPTION_VALUE, true, "LIST",
     "supplementary groups, comma-separated ('' for none);\ndefault: the groups listing "
     "USER, plus its own",
     on_groups, NULL},
    {"cap", 0, OPTION_LIST, true, "CAP[,CAP...]",
     "capabilities COMMAND keeps as non-root USER (e.g.\nNET_BIND_SERVICE); repeatable", on_cap,
     reset_cap},
    {"chown", 'c', OPTION_LIST, true, "PATH",
     "before dropping root, give PATH and everything below it\nto --user's user and group (or "
     "--chown-to's owner):\nonly what differs, never following links or entering\nother "
     "mounts; creates a missing PATH (repeatable; PATH\nmust be absolute)",
     on_chown, reset_chown},
    {"chown-best-effort", 0, OPTION_FLAG, true, NULL,
     "per-entry --chown errors are warnings, not fatal", on_chown_best_effort, NULL},
    {"chown-to", 0, OPTION_VALUE, true, "OWNER",
     "give the --chown paths to OWNER instead: USER (the\nowner alone), USER:GROUP, or :GROUP "
     "(the group alone)",
     on_chown_to, NULL},
    {"chown-policy", 0, OPTION_VALUE, true, "POLICY",
     "always (default): walk every --chown PATH at every\nstart; root-mismatch: skip a PATH "
     "whose top already\nis as asked (its top is changed last, after a walk\nwithout errors)",
     on_chown_policy, NULL},
    {"chmod", 0, OPTION_VALUE, true, "MODE",
     "also set the modes below every --chown PATH where they\ndiffer: symbolic (u+rwX,g=u) or "
     "octal; never through\na link",
     on_chmod, NULL},
    {"allow-privilege-escalation", 0, OPTION_FLAG, true, NULL,
     "keep the bounding set and leave no_new_privs unset\n(for sudo or setuid helpers); by "
     "default a non-root\nUSER gets no_new_privs and an empty bounding set",
     on_allow_escalation, NULL},
    {"grace", 't', OPTION_VALUE, true, "SECONDS",
     "deadline after a stop request (see --stop-signal), then\nSIGKILL; set it below the "
     "engine's stop timeout. Default:\nnone for COMMAND, 5 for what is left after COMMAND\n"
     "exits (0 to 31536000, decimals allowed)",
     on_grace, NULL},
    {"stop-signal", 0, OPTION_VALUE, true, "SIGNAL",
     "the signal that asks to stop (the image's STOPSIGNAL;\ndefault TERM); what is left "
     "after COMMAND gets it too,\nafter --rewrite",
     on_stop_signal, NULL},
    {"process-group", 'g', OPTION_FLAG, true, NULL,
     "forward signals to COMMAND's whole process group", on_process_group, NULL},
    {"rewrite", 'r', OPTION_LIST, true, "FROM:TO",
     "forward signal FROM as TO; TO 'none' or 0 drops it\n(repeatable; e.g. TERM:QUIT)", on_rewrite,
     config_clear_rewrites},
    {"remap-exit", 'e', OPTION_LIST, true, "FROM:TO",
     "exit with TO when COMMAND exits with FROM (repeatable;\ne.g. 143:0)", on_remap_exit,
     config_clear_exit_remaps},
    {"pdeathsig", 'p', OPTION_VALUE, true, "SIGNAL",
     "when not PID 1: act on SIGNAL when warden's parent dies", on_pdeathsig, NULL},
    {"secret-env", 0, OPTION_LIST, true, "NAME",
     "as root, before dropping it: set NAME to the contents of\nthe file that NAME_FILE names "
     "(one trailing newline\nremoved) and remove NAME_FILE; DIR/* takes every\nNAME_FILE "
     "naming a file in DIR (repeatable)",
     on_secret_env, reset_secret_env},
    {"umask", 0, OPTION_VALUE, true, "MASK",
     "COMMAND's umask, octal (e.g. 0002 for group-shared\nfiles); default: warden's own", on_umask,
     NULL},
    {"require-env", 0, OPTION_LIST, true, "NAME",
     "exit 125 unless NAME is set and not empty, naming\nevery missing one (repeatable)",
     on_require_env, reset_require_env},
    {"health", 0, OPTION_VALUE, true, "URL",
     "check URL while COMMAND runs, from warden itself (the\nURLs of warden probe); see "
     "--on-unhealthy",
     on_health, NULL},
    {"health-interval", 0, OPTION_VALUE, true, "SECONDS",
     "time between two --health checks (default 30)", on_health_interval, NULL},
    {"health-timeout", 0, OPTION_VALUE, true, "SECONDS",
     "a check slower than this fails (default 5, at most\nthe interval)", on_health_timeout, NULL},
    {"health-retries", 0, OPTION_VALUE, true, "N",
     "failed checks in a row that make COMMAND unhealthy\n(default 3)", on_health_retries, NULL},
    {"health-start-period", 0, OPTION_VALUE, true, "SECONDS",
     "failures this soon after a start do not count; the\nfirst success ends it (default 0)",
     on_health_start_period, NULL},
    {"on-unhealthy", 0, OPTION_VALUE, true, "ACTION",
     "log (default): say so; stop: stop COMMAND in order and\nexit 124; restart: stop it and "
     "start it again",
     on_on_unhealthy, NULL},
    {"restart-limit", 0, OPTION_VALUE, true, "N",
     "with restart: after N restarts in a row without a\nhealthy check, stop and exit 124 "
     "(default 0: none)",
     on_restart_limit, NULL},
    {"wait-for", 0, OPTION_LIST, true, "URL",
     "before starting COMMAND, wait until URL answers:\ntcp://HOST:PORT, http://HOST[:PORT]/PATH "
     "(status\nbelow 400), unix:///PATH or http+unix:///PATH:/URLPATH\n(repeatable; names "
     "through /etc/hosts and DNS)",
     on_wait_for, reset_wait_for},
    {"wait-timeout", 0, OPTION_VALUE, true, "SECONDS",
     "how long --wait-for waits for all its URLs together\n(default 60), then exit 125",
     on_wait_timeout, NULL},
    {"log-format", 0, OPTION_VALUE, true, "FORMAT",
     "text (default) or json: one JSON object per line", on_log_format, NULL},
    {"verbose", 'v', OPTION_COUNT, true, NULL, "say what warden does (repeat for more)", on_verbose,
     reset_verbose},
    {"quiet", 'q', OPTION_FLAG, true, NULL, "say nothing but errors", on_quiet, NULL},
    {"help", 'h', OPTION_FLAG, false, NULL, "print this help and exit", on_help, NULL},
    {"version", 'V', OPTION_FLAG, false, NULL, "print the version and exit", on_version, NULL},
};
const size_t option_row_count = sizeof(option_rows) / sizeof(option_rows[0]);
