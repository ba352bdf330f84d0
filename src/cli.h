/* Command line and WARDEN_* environment into a struct config, through the option table
 * (options.c). */
#ifndef WARDEN_CLI_H
#define WARDEN_CLI_H

#include "config.h"

enum cli_result { CLI_RUN, CLI_DONE, CLI_ERROR };

/* envp is scanned for WARDEN_* first; the command line wins over it. On CLI_ERROR one
 * "warden: ..." line has been written. CLI_DONE: --help or --version was printed. */
enum cli_result cli_parse(int argc, char **argv, char **envp, struct config *cfg);

/* Before anything is changed: --require-env (one error line naming every variable that
 * is unset or empty), and no setuid installation. */
int cli_check(const struct config *cfg);

/* Removes warden's own WARDEN_* variables so that the program never sees them. */
void cli_scrub_environment(void);

#endif
