#include "personality.h"

#include <string.h>

#include "log.h"
#include "parse.h"
#include "personas.h"

extern char **environ;

/* The one table of the tools warden answers as; the first row is warden itself. */
static const struct personality known[] = {
    {"warden", NULL, cli_parse},
    {"tini", NULL, tini_parse},
    {"tini-static", NULL, tini_parse},
    {"docker-init", NULL, tini_parse},
    {"gosu", gosu_main, NULL},
    {"su-exec", su_exec_main, NULL},
    {"dumb-init", NULL, dumb_init_parse},
    {"catatonit", NULL, catatonit_parse},
    {"setpriv", setpriv_main, NULL},
};

static const struct personality *lookup(const char *name)
{
    for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
        if (strcmp(name, known[i].name) == 0)
            return &known[i];
    return NULL;
}

const struct personality *personality_detect(int *argc, char ***argv)
{
    if (*argc >= 3 && strcmp((*argv)[1], "--personality") == 0) {
        const char *name = (*argv)[2];
        const struct personality *persona = lookup(name);
        if (!persona) {
            /* Before any parsing: the log format can only come from the environment. */
            const char *format = env_lookup(environ, "WARDEN_LOG_FORMAT");
            log_configure(0, format && strcmp(format, "json") == 0 ? LOG_FORMAT_JSON
                                                                   : LOG_FORMAT_TEXT);
            log_error("--personality: unknown name '%s' (tini, docker-init, dumb-init, catatonit, "
                      "gosu, su-exec, setpriv)",
                      name);
            return NULL;
        }
        /* The tool's own arguments follow, under its own name. */
        *argv += 2;
        *argc -= 2;
        return persona;
    }
    const char *slash = *argc > 0 ? strrchr((*argv)[0], '/') : NULL;
    const char *name = *argc > 0 ? (slash ? slash + 1 : (*argv)[0]) : "warden";
    const struct personality *persona = lookup(name);
    /* Any other name (a renamed binary) is warden itself. */
    return persona ? persona : &known[0];
}
