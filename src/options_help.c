/* warden --help, generated from the option table: a new row is in the help at once. */
#include "options.h"

#include <string.h>

static const char help_head[] =
    "Usage: warden [OPTIONS] [--] COMMAND [ARG...]\n"
    "\n"
    "Run COMMAND as the child of a minimal init: forward signals to it, reap every\n"
    "zombie, stop what is left in order, and exit with COMMAND's exit status.\n"
    "\n"
    "Options (each also read from WARDEN_<NAME>, e.g. WARDEN_GRACE=5; the command\n"
    "line wins; lists in the environment are comma-separated; any other WARDEN_*\n"
    "name is an error):\n";

static const char help_tail[] =
    "\n"
    "\n"
    "warden probe [--timeout SECONDS] URL: a health check (see warden probe --help).\n"
    "Called as tini, docker-init, dumb-init, catatonit, gosu, su-exec or setpriv (or\n"
    "warden --personality NAME ...), warden answers as that tool (see the man page).\n"
    "\n"
    "Exit status: COMMAND's own; 128+N if it died of signal N; 125 if warden failed;\n"
    "126 if COMMAND cannot be executed; 127 if it is not found; 124 if warden stopped\n"
    "it because it was unhealthy (--on-unhealthy).\n";

/* Where the description starts: a longer option name gets a line of its own. */
#define HELP_COLUMN 27

void options_print_help(FILE *to)
{
    fputs(help_head, to);
    for (size_t i = 0; i < option_row_count; i++) {
        const struct option_row *row = &option_rows[i];
        int width = row->letter ? fprintf(to, "  -%c, --%s", row->letter, row->name)
                                : fprintf(to, "      --%s", row->name);
        if (row->value_name)
            width += fprintf(to, " %s", row->value_name);
        if (width >= HELP_COLUMN)
            width = fprintf(to, "\n") - 1;
        fprintf(to, "%*s", HELP_COLUMN - width, "");
        for (const char *line = row->help;;) {
            size_t len = strcspn(line, "\n");
            fprintf(to, "%.*s\n", (int)len, line);
            if (line[len] == '\0')
                break;
            line += len + 1;
            fprintf(to, "%*s", HELP_COLUMN, "");
        }
    }
    fputs(help_tail, to);
}
