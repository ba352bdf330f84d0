/* Drop-in personalities: warden answers as the tool whose name it is called by. */
#ifndef WARDEN_PERSONALITY_H
#define WARDEN_PERSONALITY_H

#include "cli.h"
#include "config.h"

struct personality {
    const char *name;
    /* Tools that run in place (gosu, su-exec, setpriv): the whole run; NULL for inits. */
    int (*run)(int argc, char **argv);
    /* Inits (warden itself, tini, dumb-init, catatonit): the command line into cfg. */
    enum cli_result (*parse)(int argc, char **argv, char **envp, struct config *cfg);
};

/* From the base name of argv[0], or `warden --personality NAME ...` (removed from argv);
 * any other name is warden itself. NULL (said) for --personality with an unknown name. */
const struct personality *personality_detect(int *argc, char ***argv);

#endif
