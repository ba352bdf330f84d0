/* What getopt_long's '?' meant, in words, for the personalities that read long options. */
#include <stdio.h>
#include <string.h>

#include "personas.h"

bool persona_bad_option(const struct option *options, const char *arg, int short_option, char *out,
                        size_t size)
{
    /* A short option, alone or inside a cluster (-cx): getopt names it in optopt. */
    if (!arg || strncmp(arg, "--", 2) != 0) {
        snprintf(out, size, "unknown option '-%c'", short_option);
        return true;
    }
    size_t len = strcspn(arg + 2, "=");
    char matches[256] = "";
    size_t used = 0;
    for (const struct option *o = options; o->name; o++) {
        if (strncmp(o->name, arg + 2, len) != 0)
            continue;
        if (arg[2 + len] == '=' && strlen(o->name) == len) {
            snprintf(out, size, "option '--%s' takes no value: give it alone", o->name);
            return false;
        }
        if (used < sizeof(matches))
            used += (size_t)snprintf(matches + used, sizeof(matches) - used, "%s--%s",
                                     used ? ", " : "", o->name);
    }
    if (len > 0 && strchr(matches, ',')) {
        snprintf(out, size, "option '%.*s' is ambiguous: give more of its name (%s)", (int)len + 2,
                 arg, matches);
        return false;
    }
    snprintf(out, size, "unknown option '%s'", arg);
    return true;
}
