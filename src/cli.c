/* The command line and WARDEN_* into a struct config, driven by the option table. */
#include "cli.h"

#include <getopt.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "health_options.h"
#include "options.h"
#include "parse.h"
#include "privdrop.h"

/* Parsing goes on after an error, so that a --log-format anywhere on the line applies to
 * the message; only the first error is kept, and said once logging is configured. */
struct parse_state {
    struct config *cfg;
    bool failed;
    char error[768];
};

__attribute__((format(printf, 2, 3))) static void record_error(struct parse_state *state,
                                                               const char *fmt, ...);

static void record_error(struct parse_state *state, const char *fmt, ...)
{
    if (state->failed)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(state->error, sizeof(state->error), fmt, ap);
    va_end(ap);
    state->failed = true;
}

/* Runs a row's handler; label says where the value came from ("--grace", "WARDEN_GRACE"). */
static enum option_result apply(struct parse_state *state, const struct option_row *row,
                                const char *label, const char *value)
{
    char why[512];
    enum option_result result = row->apply(state->cfg, value, why, sizeof(why));
    if (result == OPTION_FAILED)
        record_error(state, "%s: %s", label, why);
    return result;
}

static char upper(char c)
{
    return c >= 'a' && c <= 'z' ? (char)(c - 'a' + 'A') : c;
}

/* The row that a "WARDEN_NAME=value" entry sets, with *value after the '='; NULL when the
 * entry is not one of warden's. */
static const struct option_row *env_row(const char *entry, const char **value)
{
    for (size_t i = 0; i < option_row_count; i++) {
        const struct option_row *row = &option_rows[i];
        const char *name = row->name, *e = entry + strlen("WARDEN_");
        if (!row->from_environment)
            continue;
        for (; *name; name++, e++)
            if (*e != (*name == '-' ? '_' : upper(*name)))
                break;
        if (*name == '\0' && *e == '=') {
            *value = e + 1;
            return row;
        }
    }
    return NULL;
}

static int env_flag(const char *value, bool *out)
{
    static const char *const yes[] = {"1", "true", "yes", "on"};
    static const char *const no[] = {"0", "false", "no", "off", ""};
    for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
        if (strcasecmp(value, yes[i]) == 0)
            return *out = true, 0;
    for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
        if (strcasecmp(value, no[i]) == 0)
            return *out = false, 0;
    return -1;
}

/* One WARDEN_* value: a flag, one value, or a comma-separated list. Values are copied
 * into the config's own store because environ is edited later (cli_scrub_environment). */
static void apply_env_value(struct parse_state *state, const struct option_row *row,
                            const char *label, const char *value)
{
    bool on;
    if (row->kind == OPTION_FLAG) {
        if (env_flag(value, &on) != 0)
            record_error(state,
                         "%s: '%s' is not a switch: give 1, true, yes or on, or 0, false, no "
                         "or off",
                         label, value);
        else
            apply(state, row, label, on ? "1" : "0");
        return;
    }
    /* An empty variable counts as unset, as compose files use WARDEN_X= to clear one. */
    if (*value == '\0')
        return;
    const char *item;
    size_t len;
    for (const char *cursor = value; list_next(&cursor, &item, &len);) {
        /* One value only: the whole of it, commas and all. */
        if (row->kind != OPTION_LIST) {
            len = strlen(item);
            cursor = NULL;
        }
        char *copy = config_keep_string(state->cfg, item, len);
        if (!copy) {
            record_error(state,
                         "%s: value too long: warden keeps %zu bytes of WARDEN_* values "
                         "in all; shorten it",
                         label, sizeof(state->cfg->strings));
            return;
        }
        if (apply(state, row, label, copy) == OPTION_FAILED)
            return;
    }
}

/* The row whose name is nearest to name (spelt as the table spells it), when near enough to
 * be a slip of the keyboard; NULL otherwise. */
static const struct option_row *closest_row(const char *name, bool environment_only)
{
    const struct option_row *best = NULL;
    size_t best_distance = SIZE_MAX, len = strlen(name);
    for (size_t i = 0; i < option_row_count; i++) {
        if (environment_only && !option_rows[i].from_environment)
            continue;
        size_t distance = text_distance(name, option_rows[i].name);
        if (distance < best_distance)
            best = &option_rows[i], best_distance = distance;
    }
    return best_distance <= (len / 3 > 2 ? len / 3 : 2) ? best : NULL;
}

/* A WARDEN_* variable that no option reads: every such name is warden's (warden removes
 * them all before the program starts), so one that means nothing is a slip to point out
 * rather than a setting to ignore (WARDEN_USR=app would otherwise run as root). */
static void record_unknown_variable(struct parse_state *state, const char *entry)
{
    int len = (int)strcspn(entry, "=");
    char option[65], hint[96] = "";
    size_t used = 0;
    for (const char *p = entry + strlen("WARDEN_"); p < entry + len && used < 64; p++)
        option[used++] = *p == '_' ? '-' : (*p >= 'A' && *p <= 'Z' ? (char)(*p - 'A' + 'a') : *p);
    option[used] = '\0';
    const struct option_row *row = closest_row(option, true);
    if (row) {
        used = (size_t)snprintf(hint, sizeof(hint), " (did you mean WARDEN_");
        for (const char *p = row->name; *p && used + 3 < sizeof(hint); p++)
            hint[used++] = *p == '-' ? '_' : upper(*p);
        snprintf(hint + used, sizeof(hint) - used, "?)");
    }
    record_error(state,
                 "unknown variable %.*s%s: every WARDEN_* variable is warden's own (their names "
                 "are in warden --help); rename it, or remove it from the container's environment",
                 len > 80 ? 80 : len, entry, hint);
}

static void apply_environment(struct parse_state *state, char **envp)
{
    for (char **entry = envp; entry && *entry; entry++) {
        const char *value;
        if (!env_is_warden(*entry))
            continue;
        const struct option_row *row = env_row(*entry, &value);
        char label[64];
        size_t name_len = row ? (size_t)(value - 1 - *entry) : 0;
        if (!row)
            record_unknown_variable(state, *entry);
        if (!row || name_len >= sizeof(label))
            continue;
        memcpy(label, *entry, name_len);
        label[name_len] = '\0';
        apply_env_value(state, row, label, value);
    }
}

/* getopt's tables from the option table: a long option's val is 256 + its row. */
struct getopt_tables {
    struct option longs[64];
    char shorts[96];
};

static void build_getopt_tables(struct getopt_tables *t)
{
    /* '+': stop at the first word that is not an option, so COMMAND keeps its flags;
     * ':': a missing value is told apart from an unknown option. */
    size_t used = 0;
    t->shorts[used++] = '+';
    t->shorts[used++] = ':';
    for (size_t i = 0; i < option_row_count; i++) {
        const struct option_row *row = &option_rows[i];
        bool takes_value = row->kind == OPTION_VALUE || row->kind == OPTION_LIST;
        t->longs[i] = (struct option){row->name, takes_value ? required_argument : no_argument,
                                      NULL, 256 + (int)i};
        if (row->letter) {
            t->shorts[used++] = row->letter;
            if (takes_value)
                t->shorts[used++] = ':';
        }
    }
    t->longs[option_row_count] = (struct option){NULL, 0, NULL, 0};
    t->shorts[used] = '\0';
}

static const struct option_row *row_for(int id)
{
    if (id >= 256)
        return &option_rows[id - 256];
    for (size_t i = 0; i < option_row_count; i++)
        if (option_rows[i].letter == id)
            return &option_rows[i];
    return NULL;
}

/* An option getopt refused: a value missing (getopt leaves the option in optopt, and word
 * is NULL when it was the last one), or a name no row has, with the nearest one. */
static void record_option_error(struct parse_state *state, int id, const char *word)
{
    const struct option_row *row = id == ':' ? row_for(optopt) : NULL;
    if (row) {
        char short_name[8] = "";
        if (optopt == row->letter)
            snprintf(short_name, sizeof(short_name), "-%c, ", row->letter);
        record_error(state, "option %s--%s needs a value: give it as --%s %s (see warden --help)",
                     short_name, row->name, row->name, row->value_name);
        return;
    }
    char name[65];
    if (word && strncmp(word, "--", 2) == 0) {
        snprintf(name, sizeof(name), "%.*s", (int)strcspn(word + 2, "="), word + 2);
        row = closest_row(name, false);
    }
    if (row && strcmp(row->name, name) == 0)
        record_error(state, "option --%s takes no value: give --%s alone (see warden --help)",
                     row->name, row->name);
    else if (row)
        record_error(state, "unknown option '%s': did you mean --%s? (see warden --help)", word,
                     row->name);
    else
        record_error(state, "unknown option '%s' (see warden --help)", word);
}

/* Returns OPTION_DONE after --help or --version (and no earlier error). */
static enum option_result apply_command_line(struct parse_state *state, int argc, char **argv)
{
    struct getopt_tables tables;
    bool seen[64] = {false};
    build_getopt_tables(&tables);
    opterr = 0;
    optind = 0;
    for (int id; (id = getopt_long(argc, argv, tables.shorts, tables.longs, NULL)) != -1;) {
        const char *word = argv[optind - 1];
        const struct option_row *row = id == '?' || id == ':' ? NULL : row_for(id);
        if (!row) {
            record_option_error(state, id, word);
            continue;
        }
        size_t index = (size_t)(row - option_rows);
        if (!seen[index] && row->reset)
            row->reset(state->cfg);
        seen[index] = true;
        char label[64];
        snprintf(label, sizeof(label), "--%s", row->name);
        const char *value = row->kind == OPTION_FLAG    ? "1"
                            : row->kind == OPTION_COUNT ? NULL
                                                        : optarg;
        if (state->failed && !row->from_environment)
            continue; /* no --help after an error */
        if (apply(state, row, label, value) == OPTION_DONE)
            return OPTION_DONE;
    }
    return OPTION_SET;
}

enum cli_result cli_parse(int argc, char **argv, char **envp, struct config *cfg)
{
    struct parse_state state = {.cfg = cfg, .failed = false};
    config_init(cfg);
    apply_environment(&state, envp);
    if (apply_command_line(&state, argc, argv) == OPTION_DONE)
        return CLI_DONE;
    /* The one place warden's logging is configured. */
    log_configure(cfg->verbosity, cfg->log_format);
    if (state.failed) {
        log_error("%s", state.error);
        return CLI_ERROR;
    }
    if (optind >= argc) {
        log_error("no command given: name the program to run after warden's options, as in "
                  "warden --user app -- myserver (see warden --help)");
        return CLI_ERROR;
    }
    cfg->command = argv + optind;
    if (!cfg->user && !cfg->chown_to && cfg->chown_count > 0) {
        log_error("--chown needs an owner: add --user USER (the program's user) or --chown-to "
                  "USER[:GROUP]");
        return CLI_ERROR;
    }
    if (!cfg->user && (cfg->groups_given || cfg->caps.kept_count > 0)) {
        const char *option = cfg->groups_given ? "--groups" : "--cap";
        log_error("%s needs --user: add --user USER (the user it applies to), or leave %s out",
                  option, option);
        return CLI_ERROR;
    }
    if (health_options_check(cfg) != 0)
        return CLI_ERROR;
    return CLI_RUN;
}

void cli_scrub_environment(void)
{
    extern char **environ;
    char **out = environ;
    for (char **in = environ; in && *in; in++)
        if (!env_is_warden(*in))
            *out++ = *in;
    if (out)
        *out = NULL;
}

static int check_required_environment(const struct config *cfg)
{
    char missing[1024];
    size_t used = 0, count = 0;
    missing[0] = '\0';
    for (size_t i = 0; i < cfg->required_env_count; i++) {
        const char *value = getenv(cfg->required_env[i]);
        if (value && *value)
            continue;
        if (used < sizeof(missing))
            used += (size_t)snprintf(missing + used, sizeof(missing) - used, "%s%s",
                                     count ? ", " : "", cfg->required_env[i]);
        count++;
    }
    if (count == 0)
        return 0;
    log_error("required environment variable%s not set or empty: %s; set %s for the container "
              "(docker run -e NAME=VALUE, the image's ENV, or the pod's env)",
              count > 1 ? "s" : "", missing, count > 1 ? "them" : "it");
    return -1;
}

int cli_check(const struct config *cfg)
{
    if (check_required_environment(cfg) != 0)
        return -1;
    return privdrop_refuse_setuid_install();
}
