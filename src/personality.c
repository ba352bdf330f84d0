#include "personality.h"

#include <string.h>

#include "log.h"

static const struct {
    const char *name;
    enum personality persona;
} known[] = {
    {"warden", PERSONA_WARDEN},       {"tini", PERSONA_TINI},
    {"tini-static", PERSONA_TINI},    {"docker-init", PERSONA_TINI},
    {"gosu", PERSONA_GOSU},           {"su-exec", PERSONA_SU_EXEC},
    {"dumb-init", PERSONA_DUMB_INIT}, {"catatonit", PERSONA_CATATONIT},
    {"setpriv", PERSONA_SETPRIV},
};

static enum personality lookup(const char *name, bool *found)
{
    for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
        if (strcmp(name, known[i].name) == 0) {
            *found = true;
            return known[i].persona;
        }
    }
    *found = false;
    return PERSONA_WARDEN;
}

enum personality personality_detect(int *argc, char ***argv)
{
    bool found;
    if (*argc >= 3 && strcmp((*argv)[1], "--personality") == 0) {
        const char *name = (*argv)[2];
        enum personality persona = lookup(name, &found);
        if (!found) {
            log_error("--personality: unknown name '%s' (tini, docker-init, dumb-init, catatonit, "
                      "gosu, su-exec, setpriv)",
                      name);
            return PERSONA_UNKNOWN;
        }
        /* The tool's own arguments follow, under its own name. */
        *argv += 2;
        *argc -= 2;
        return persona;
    }
    const char *slash = *argc > 0 ? strrchr((*argv)[0], '/') : NULL;
    const char *name = *argc > 0 ? (slash ? slash + 1 : (*argv)[0]) : "warden";
    /* Any other name (a renamed binary) is warden itself. */
    return lookup(name, &found);
}
