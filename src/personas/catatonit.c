/* warden as catatonit, including -P (pause: no program). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"
#include "personas.h"

/* catatonit exits 1 for every failure of its own, and when the program cannot be run. */
#define CATATONIT_FAILED 1

static void catatonit_usage(FILE *to)
{
    fprintf(to,
            "usage: catatonit [-ghLPV] [--] <progname> [<arguments>...]\n\n"
            "options:\n"
            "  -g              Forward signals to pid1's process group.\n"
            "  -h              Print this help page.\n"
            "  -L              Print license information.\n"
            "  -P              Run in pause mode (no program is run and quit on SIGINT).\n"
            "  -V, --version   Print version information.\n\n"
            "This is warden %s answering as catatonit.\n",
            WARDEN_VERSION);
}

enum cli_result catatonit_parse(int argc, char **argv, char **envp, struct config *cfg)
{
    static const struct option options[] = {
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0},
    };
    config_init(cfg);
    cfg->rules.failure_exit = CATATONIT_FAILED;
    cfg->rules.exec_failure_exit = CATATONIT_FAILED;
    cfg->rules.fixed_grace = true;
    cfg->rules.shell_for_binaries = true;
    if (env_lookup(envp, "CATATONIT_DEBUG"))
        cfg->verbosity = 2;
    opterr = 0;
    optind = 0;
    for (int opt; (opt = getopt_long(argc, argv, "+ghLPV", options, NULL)) != -1;) {
        switch (opt) {
        case 'g':
            cfg->process_group = true;
            break;
        case 'h':
            catatonit_usage(stdout);
            return CLI_DONE;
        case 'L':
            printf("catatonit is GPL-2.0-or-later; this is warden %s, a separate work "
                   "answering to catatonit's options.\n",
                   WARDEN_VERSION);
            return CLI_DONE;
        case 'P':
            cfg->rules.pause = true;
            break;
        case 'V':
            /* Podman and Docker read "tini version" lines. */
            printf("tini version 0.1.7_catatonit\n");
            return CLI_DONE;
        default: {
            char why[320];
            bool unknown = persona_bad_option(options, argv[optind - 1], optopt, why, sizeof(why));
            fprintf(stderr, "catatonit: %s (usage below)%s\n", why,
                    unknown ? ": if it is the program's, put -- before the program" : "");
            catatonit_usage(stderr);
            return CLI_ERROR;
        }
        }
    }
    if (!cfg->rules.pause && optind >= argc) {
        fprintf(stderr, "catatonit: no program given: name one, or pass -P to pause without\n");
        catatonit_usage(stderr);
        return CLI_ERROR;
    }
    cfg->command = cfg->rules.pause ? NULL : argv + optind;
    log_configure(cfg->verbosity, cfg->log_format);
    return CLI_RUN;
}
