/* Drop-in personalities: warden answers as the tool whose name it is called by. */
#ifndef WARDEN_PERSONALITY_H
#define WARDEN_PERSONALITY_H

#include "cli.h"
#include "config.h"

enum personality {
    PERSONA_WARDEN,
    PERSONA_TINI, /* tini, tini-static, docker-init */
    PERSONA_GOSU,
    PERSONA_SU_EXEC,
    PERSONA_DUMB_INIT,
    PERSONA_CATATONIT,
    PERSONA_SETPRIV,
    PERSONA_UNKNOWN, /* --personality with a name warden does not answer to (said) */
};

/* From the base name of argv[0], or `warden --personality NAME ...` (removed from argv). */
enum personality personality_detect(int *argc, char ***argv);

/* tini's command line and TINI_* environment into cfg (tini's exit code 1 for usage). */
enum cli_result tini_parse(int argc, char **argv, char **envp, struct config *cfg);

/* dumb-init: setsid mode by default (-c or DUMB_INIT_SETSID=0 for one child). */
enum cli_result dumb_init_parse(int argc, char **argv, char **envp, struct config *cfg);

/* catatonit, including -P (pause: no program, exit 0 on INT or TERM). */
enum cli_result catatonit_parse(int argc, char **argv, char **envp, struct config *cfg);

/* gosu and su-exec: USER-SPEC COMMAND [ARG...], run in place (no init duties). */
int switch_user_main(enum personality persona, int argc, char **argv);

/* util-linux setpriv's entrypoint subset, applied in place; anything else is refused. */
int setpriv_main(int argc, char **argv);

/* setpriv --dump: the privilege state in setpriv's words; level 2 and 3 say more. */
int setpriv_dump(int level);

#endif
