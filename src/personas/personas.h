/* The tools warden answers as, one file each; only personality.c's table refers to these. */
#ifndef WARDEN_PERSONAS_H
#define WARDEN_PERSONAS_H

#include <getopt.h>
#include <stdbool.h>
#include <stddef.h>

#include "cli.h"
#include "config.h"

/* Init tools: their command line and environment into cfg, as cli_parse does for warden. */
enum cli_result tini_parse(int argc, char **argv, char **envp, struct config *cfg);
enum cli_result dumb_init_parse(int argc, char **argv, char **envp, struct config *cfg);
enum cli_result catatonit_parse(int argc, char **argv, char **envp, struct config *cfg);

/* Tools that switch identity and exec in place (no init duties): the whole run. */
int gosu_main(int argc, char **argv);
int su_exec_main(int argc, char **argv);
int setpriv_main(int argc, char **argv);

/* getopt_long answered '?' for arg (or short_option, in a cluster): out says why; true
 * when the option is unknown (not ambiguous, not given a value it does not take). */
bool persona_bad_option(const struct option *options, const char *arg, int short_option, char *out,
                        size_t size);

/* execvp in place (a file without #! goes to /bin/sh with shell_fallback, as glibc's
 * execvp does); on failure says why (as TOOL) and returns the errno. */
int persona_exec(const char *tool, char **command, bool shell_fallback);

/* setpriv --dump: the privilege state in setpriv's words; level 2 and 3 say more. */
int setpriv_dump(int level);

#endif
