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

#define NAMES "tini, docker-init, dumb-init, catatonit, gosu, su-exec, setpriv"

static const struct personality *lookup(const char *name)
{
    for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
        if (strcmp(name, known[i].name) == 0)
            return &known[i];
    return NULL;
}

/* Before any parsing: the log format can only come from the environment. */
static void configure_early_log(void)
{
    const char *format = env_lookup(environ, "WARDEN_LOG_FORMAT");
    log_configure(0, format && strcmp(format, "json") == 0 ? LOG_FORMAT_JSON : LOG_FORMAT_TEXT);
}

/* `--personality NAME` or `--personality=NAME` first: the tool, and how many arguments it
 * took; NULL (said) without a known NAME. */
static const struct personality *requested(int argc, char **argv, int *taken)
{
    const char *name = NULL;
    if (strncmp(argv[1], "--personality=", 14) == 0) {
        name = argv[1] + 14;
        *taken = 1;
    } else if (argc >= 3) {
        name = argv[2];
        *taken = 2;
    }
    const struct personality *persona = name ? lookup(name) : NULL;
    if (persona)
        return persona;
    configure_early_log();
    if (!name)
        log_error("--personality needs a NAME: give it first, as in warden --personality tini -- "
                  "myserver (" NAMES ")");
    else
        log_error("--personality: unknown name '%s' (" NAMES ")", name);
    return NULL;
}

const struct personality *personality_detect(int *argc, char ***argv)
{
    if (*argc >= 2 && (strcmp((*argv)[1], "--personality") == 0 ||
                       strncmp((*argv)[1], "--personality=", 14) == 0)) {
        int taken = 0;
        const struct personality *persona = requested(*argc, *argv, &taken);
        if (!persona)
            return NULL;
        /* The tool's own arguments follow, under its own name. */
        *argv += taken;
        *argc -= taken;
        if (taken == 1)
            (*argv)[0] = (char *)persona->name;
        return persona;
    }
    const char *slash = *argc > 0 ? strrchr((*argv)[0], '/') : NULL;
    const char *name = *argc > 0 ? (slash ? slash + 1 : (*argv)[0]) : "warden";
    const struct personality *persona = lookup(name);
    /* Any other name (a renamed binary) is warden itself. */
    return persona ? persona : &known[0];
}
