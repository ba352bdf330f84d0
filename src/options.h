/* warden's options, one row each. The getopt tables, the short-option string, the
 * WARDEN_<NAME> variables, --help and the man-page test all come from this one table:
 * adding an option is one row in options.c plus its handler. */
#ifndef WARDEN_OPTIONS_H
#define WARDEN_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "config.h"

enum option_kind {
    OPTION_FLAG,  /* no value; from the environment: 1/true/yes/on or 0/false/no/off */
    OPTION_VALUE, /* one value */
    OPTION_LIST,  /* repeatable; from the environment: comma-separated */
    OPTION_COUNT, /* repeatable flag (-vv); from the environment: a number */
};

enum option_result { OPTION_FAILED = -1, OPTION_SET = 0, OPTION_DONE = 1 };

/* Applies one value to cfg. value: the option's argument; "1" or "0" for a flag; NULL for
 * one more of a counted flag. On OPTION_FAILED, why says what is wrong with the value
 * (the caller adds where it came from). OPTION_DONE: --help or --version was printed. */
typedef enum option_result option_handler(struct config *cfg, const char *value, char *why,
                                          size_t why_size);

struct option_row {
    const char *name; /* --name; WARDEN_NAME is it in upper case, '_' for '-' */
    char letter;      /* -x, or 0 for none */
    enum option_kind kind;
    bool from_environment;  /* false for --help and --version */
    const char *value_name; /* the value in --help ("SECONDS"); NULL for flags */
    const char *help;       /* --help text; each '\n' starts an indented line */
    option_handler *apply;
    void (*reset)(struct config *cfg); /* lists: the command line replaces the environment */
};

extern const struct option_row option_rows[];
extern const size_t option_row_count;

/* Appends value to a repeatable option's list, up to CONFIG_LIST_MAX (more: OPTION_FAILED
 * with why). */
enum option_result option_append(const char **list, size_t *count, const char *value, char *why,
                                 size_t why_size);

/* The whole --help text, generated from the table. */
void options_print_help(FILE *to);

#endif
