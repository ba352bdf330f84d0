/* warden as tini (and docker-init, which Docker installs tini as). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"
#include "personas.h"
#include "signames.h"

#define TINI_VERSION       "0.19.0"
#define TINI_USAGE_FAILURE 1

static void tini_usage(const char *name, FILE *to)
{
    fprintf(to,
            "%s (tini version %s - warden %s)\n"
            "Usage: %s [OPTIONS] PROGRAM -- [ARGS] | --version\n\n"
            "Execute a program under the supervision of a valid init process (%s)\n\n"
            "Command line options:\n\n"
            "  --version: Show version and exit.\n"
            "  -h: Show this help message and exit.\n"
            "  -s: Register as a process subreaper.\n"
            "  -p SIGNAL: Trigger SIGNAL when parent dies, e.g. \"-p SIGKILL\".\n"
            "  -v: Generate more verbose output. Repeat up to 3 times.\n"
            "  -w: Print a warning when processes are getting reaped.\n"
            "  -g: Send signals to the child's process group.\n"
            "  -e EXIT_CODE: Remap EXIT_CODE (from 0 to 255) to 0.\n"
            "  -l: Show license and exit.\n\n"
            "Environment variables:\n\n"
            "  TINI_SUBREAPER: Register as a process subreaper.\n"
            "  TINI_VERBOSITY: Set the verbosity level (default: 1).\n"
            "  TINI_KILL_PROCESS_GROUP: Send signals to the child's process group.\n\n",
            name, TINI_VERSION, WARDEN_VERSION, name, name);
}

/* TINI_VERBOSITY and TINI_KILL_PROCESS_GROUP; returns tini's verbosity level. */
static int tini_environment(char **envp, struct config *cfg)
{
    /* tini's levels: 1 (default) warnings, 2 info, 3 debug. */
    int verbosity = 1;
    for (char **e = envp; e && *e; e++) {
        unsigned long level;
        if (strncmp(*e, "TINI_VERBOSITY=", 15) == 0 && parse_unsigned(*e + 15, 9, &level) == 0)
            verbosity = (int)level;
        else if (strncmp(*e, "TINI_KILL_PROCESS_GROUP=", 24) == 0)
            cfg->process_group = true; /* tini: present at all means on */
        else if (strncmp(*e, "TINI_SUBREAPER=", 15) == 0)
            cfg->rules.no_subreaper = false; /* the same */
    }
    return verbosity;
}

/* -p SIGNAL and -e EXIT_CODE. */
static int tini_value(struct config *cfg, int opt, const char *value)
{
    unsigned long code;
    if (opt == 'p') {
        cfg->pdeathsig = signal_from_name(value);
        if (cfg->pdeathsig <= 0 || cfg->pdeathsig >= WARDEN_NSIG) {
            log_error("-p: unknown signal '%s': give a signal name, like SIGKILL", value);
            return -1;
        }
        return 0;
    }
    if (parse_unsigned(value, 255, &code) != 0) {
        log_error("-e: '%s' is not an exit code from 0 to 255", value);
        return -1;
    }
    config_remap_exit(cfg, (int)code, 0);
    return 0;
}

/* The line before the usage when getopt answers '?'. */
static void tini_refuse_option(int option)
{
    if (option == 'p')
        log_error("-p needs a value: give it as -p SIGNAL, like -p SIGKILL");
    else if (option == 'e')
        log_error("-e needs a value: give it as -e EXIT_CODE, from 0 to 255");
    else if (option == '-') /* --name: getopt reads it as the letters of a cluster */
        log_error("tini has no long options but --version (usage below): if it is the "
                  "program's, put -- before the program");
    else
        log_error("unknown option '-%c' (usage below): if it is the program's, put -- before the "
                  "program",
                  option);
}

enum cli_result tini_parse(int argc, char **argv, char **envp, struct config *cfg)
{
    const char *name = argv[0];
    config_init(cfg);
    cfg->rules.failure_exit = TINI_USAGE_FAILURE;
    /* Not PID 1, tini adopts orphans only when asked (-s, TINI_SUBREAPER). */
    cfg->rules.no_subreaper = true;
    cfg->rules.fixed_grace = true;
    cfg->rules.shell_for_binaries = true;
    int verbosity = tini_environment(envp, cfg);
    /* Docker runs `docker-init --version` and parses "tini version X - git.Y"; it keeps Y
     * only when Y holds no dot, so the version's dots become underscores there. */
    if (argc == 2 && strcmp(argv[1], "--version") == 0) {
        char commit[32];
        snprintf(commit, sizeof(commit), "warden-%s", WARDEN_VERSION);
        for (char *c = commit; *c; c++)
            if (*c == '.')
                *c = '_';
        printf("tini version %s - git.%s\n", TINI_VERSION, commit);
        return CLI_DONE;
    }
    opterr = 0;
    optind = 0;
    /* '+': options end at PROGRAM. tini itself lets GNU getopt permute, so `tini prog -v`
     * takes -v for itself; here it stays prog's (see the man page). */
    for (int opt; (opt = getopt(argc, argv, "+hsp:vwgle:")) != -1;) {
        switch (opt) {
        case 'h':
            tini_usage(name, stdout);
            return CLI_DONE;
        case 's':
            cfg->rules.no_subreaper = false;
            break;
        case 'p':
        case 'e':
            if (tini_value(cfg, opt, optarg) != 0)
                return CLI_ERROR;
            break;
        case 'v':
            verbosity++;
            break;
        case 'w':
            cfg->rules.warn_on_reap = true;
            break;
        case 'g':
            cfg->process_group = true;
            break;
        case 'l':
            printf("tini's license is MIT; this is warden %s, a separate work answering to "
                   "tini's options.\n",
                   WARDEN_VERSION);
            return CLI_DONE;
        default:
            tini_refuse_option(optopt);
            tini_usage(name, stderr);
            return CLI_ERROR;
        }
    }
    if (optind >= argc) {
        log_error("no program given: name it after the options, as in tini -- myserver (usage "
                  "below)");
        tini_usage(name, stderr);
        return CLI_ERROR;
    }
    cfg->verbosity = verbosity - 1;
    cfg->command = argv + optind;
    log_configure(cfg->verbosity, cfg->log_format);
    return CLI_RUN;
}
