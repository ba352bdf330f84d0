/* warden as dumb-init. */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"
#include "personas.h"

/* dumb-init exits 1 for a usage error, 2 when the program cannot be run. */
#define USAGE_FAILURE 1

static void dumb_init_usage(FILE *to)
{
    fprintf(to,
            "Usage: dumb-init [option] command [[arg] ...]\n\n"
            "dumb-init (warden %s) is a simple process supervisor that forwards signals to "
            "children.\n\n"
            "Optional arguments:\n"
            "   -c, --single-child   Run in single-child mode.\n"
            "                        In this mode, signals are only proxied to the\n"
            "                        direct child and not any of its descendants.\n"
            "   -r, --rewrite s:r    Rewrite received signal s to new signal r before "
            "proxying.\n"
            "                        To ignore (not proxy) a signal, rewrite it to 0.\n"
            "                        This option can be specified multiple times.\n"
            "   -v, --verbose        Print debugging information to stderr.\n"
            "   -h, --help           Print this help message and exit.\n"
            "   -V, --version        Print the current version and exit.\n",
            WARDEN_VERSION);
}

/* dumb-init's -r s:r takes numbers: s from 1 to 31, r from 0 (drop) to 31. */
static int dumb_init_rewrite(struct config *cfg, const char *value)
{
    char from[16], to[16];
    unsigned long s, r;
    if (parse_pair(value, from, to, sizeof(from)) != 0 || parse_unsigned(from, 31, &s) != 0 ||
        s == 0 || parse_unsigned(to, 31, &r) != 0) {
        fprintf(stderr,
                "dumb-init: -r '%s': give FROM:TO as signal numbers, FROM 1 to 31 and TO 0 to 31 "
                "(0 drops it), as in -r 15:3; repeatable (see dumb-init --help)\n",
                value);
        return -1;
    }
    config_rewrite_signal(cfg, (int)s, (int)r);
    return 0;
}

/* How dumb-init behaves, after its options are read. */
static void dumb_init_rules(struct config *cfg, bool single_child)
{
    /* dumb-init in every mode: it forwards every signal it can catch, stops itself after a
     * job-control stop, never kills anything itself (no --grace, no leftover stage: it
     * exits with the program), starts the program with no inherited ignores (its handlers
     * for every signal), and keeps no working directory. */
    cfg->rules.forward_all = true;
    cfg->rules.stop_self = true;
    cfg->rules.exit_with_program = true;
    cfg->rules.reset_ignored = true;
    cfg->rules.leave_cwd = true;
    cfg->rules.shell_for_binaries = true;
    if (single_child)
        return;
    /* Its default: the child leads a session of its own, signals go to its whole group, and
     * job-control stops become SIGSTOP (a new session has no terminal to stop on).
     * Explicit -r rewrites win. */
    cfg->rules.new_session = true;
    cfg->process_group = true;
    int stops[] = {SIGTSTP, SIGTTIN, SIGTTOU};
    for (size_t i = 0; i < sizeof(stops) / sizeof(stops[0]); i++)
        if (!config_signal_rewritten(cfg, stops[i]))
            config_rewrite_signal(cfg, stops[i], SIGSTOP);
}

static const struct option options[] = {
    {"single-child", no_argument, NULL, 'c'}, {"rewrite", required_argument, NULL, 'r'},
    {"verbose", no_argument, NULL, 'v'},      {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, 'V'},      {NULL, 0, NULL, 0},
};

/* The line before the usage when getopt answers '?'. */
static void dumb_init_refuse_option(const char *arg)
{
    char why[320];
    if (optopt == 'r') {
        fprintf(stderr, "dumb-init: -r (--rewrite) needs a value: give FROM:TO as signal "
                        "numbers, as in -r 15:3 (usage below)\n");
    } else if (persona_bad_option(options, arg, optopt, why, sizeof(why))) {
        fprintf(stderr,
                "dumb-init: %s (usage below): if it is the program's, put -- before the "
                "program\n",
                why);
    } else {
        fprintf(stderr, "dumb-init: %s (usage below)\n", why);
    }
}

enum cli_result dumb_init_parse(int argc, char **argv, char **envp, struct config *cfg)
{
    config_init(cfg);
    cfg->rules.failure_exit = USAGE_FAILURE;
    cfg->rules.exec_failure_exit = 2;
    const char *setsid_env = env_lookup(envp, "DUMB_INIT_SETSID");
    bool single_child = setsid_env && strcmp(setsid_env, "0") == 0;
    const char *debug = env_lookup(envp, "DUMB_INIT_DEBUG");
    if (debug && strcmp(debug, "1") == 0)
        cfg->verbosity = 2;
    opterr = 0;
    optind = 0;
    for (int opt; (opt = getopt_long(argc, argv, "+hvVcr:", options, NULL)) != -1;) {
        switch (opt) {
        case 'h':
            dumb_init_usage(stderr);
            return CLI_DONE;
        case 'V':
            fprintf(stderr, "dumb-init v1.2.5 (warden %s)\n", WARDEN_VERSION);
            return CLI_DONE;
        case 'v':
            cfg->verbosity = 2;
            break;
        case 'c':
            single_child = true;
            break;
        case 'r':
            if (dumb_init_rewrite(cfg, optarg) != 0)
                return CLI_ERROR;
            break;
        default:
            dumb_init_refuse_option(argv[optind - 1]);
            dumb_init_usage(stderr);
            return CLI_ERROR;
        }
    }
    if (optind >= argc) {
        fprintf(stderr, "dumb-init: no program given: dumb-init [OPTIONS] PROGRAM [ARGS...] (see "
                        "dumb-init --help)\n");
        return CLI_ERROR;
    }
    dumb_init_rules(cfg, single_child);
    cfg->command = argv + optind;
    log_configure(cfg->verbosity, cfg->log_format);
    return CLI_RUN;
}
