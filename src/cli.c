#include "cli.h"

#include <ctype.h>
#include <getopt.h>
#include <stdarg.h>
#include <stddef.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "exit_status.h"
#include "parse.h"
#include "signames.h"

enum option_id {
    OPT_HELP = 'h',
    OPT_VERSION = 'V',
    OPT_VERBOSE = 'v',
    OPT_GRACE = 't',
    OPT_PROCESS_GROUP = 'g',
    OPT_REWRITE = 'r',
    OPT_REMAP_EXIT = 'e',
    OPT_PDEATHSIG = 'p',
    OPT_USER = 'u',
    OPT_GROUPS = 'G',
    OPT_CHOWN = 'c',
    OPT_QUIET = 'q',
    OPT_CAP = 256,
    OPT_ALLOW_ESCALATION,
    OPT_CHOWN_BEST_EFFORT,
    OPT_REQUIRE_ENV,
    OPT_LOG_FORMAT,
    OPT_CHOWN_POLICY,
    OPT_CHMOD,
    OPT_CHOWN_TO,
};

enum value_kind {
    VALUE_NONE, /* a flag; from the environment: 1/true/yes or 0/false/no */
    VALUE_ONE,  /* one value */
    VALUE_LIST, /* repeatable; from the environment: comma-separated */
    VALUE_COUNT /* repeatable flag; from the environment: a number */
};

struct option_spec {
    int id;
    const char *name;
    enum value_kind kind;
    bool from_environment;
};

static const struct option_spec option_specs[] = {
    {OPT_HELP, "help", VALUE_NONE, false},
    {OPT_VERSION, "version", VALUE_NONE, false},
    {OPT_VERBOSE, "verbose", VALUE_COUNT, true},
    {OPT_GRACE, "grace", VALUE_ONE, true},
    {OPT_PROCESS_GROUP, "process-group", VALUE_NONE, true},
    {OPT_REWRITE, "rewrite", VALUE_LIST, true},
    {OPT_REMAP_EXIT, "remap-exit", VALUE_LIST, true},
    {OPT_PDEATHSIG, "pdeathsig", VALUE_ONE, true},
    {OPT_USER, "user", VALUE_ONE, true},
    {OPT_GROUPS, "groups", VALUE_ONE, true},
    {OPT_CAP, "cap", VALUE_LIST, true},
    {OPT_ALLOW_ESCALATION, "allow-privilege-escalation", VALUE_NONE, true},
    {OPT_CHOWN, "chown", VALUE_LIST, true},
    {OPT_CHOWN_BEST_EFFORT, "chown-best-effort", VALUE_NONE, true},
    {OPT_CHOWN_POLICY, "chown-policy", VALUE_ONE, true},
    {OPT_CHMOD, "chmod", VALUE_ONE, true},
    {OPT_CHOWN_TO, "chown-to", VALUE_ONE, true},
    {OPT_REQUIRE_ENV, "require-env", VALUE_LIST, true},
    {OPT_LOG_FORMAT, "log-format", VALUE_ONE, true},
    {OPT_QUIET, "quiet", VALUE_NONE, true},
};
#define OPTION_COUNT (sizeof(option_specs) / sizeof(option_specs[0]))

static const char usage_text[] =
    "Usage: warden [OPTIONS] [--] COMMAND [ARG...]\n"
    "\n"
    "Run COMMAND as the child of a minimal init: forward signals to it, reap every\n"
    "zombie, stop what is left in order, and exit with COMMAND's exit status.\n"
    "\n"
    "Options (each also read from WARDEN_<NAME>, e.g. WARDEN_GRACE=5; the command\n"
    "line wins; lists in the environment are comma-separated):\n"
    "  -u, --user USER[:GROUP]  run as USER (name or number) from the image's\n"
    "                           /etc/passwd; warden drops to it too, before starting\n"
    "                           COMMAND. Sets HOME, USER and LOGNAME\n"
    "  -G, --groups LIST        supplementary groups, comma-separated ('' for none);\n"
    "                           default: the groups listing USER, plus its own\n"
    "      --cap CAP[,CAP...]   capabilities COMMAND keeps as non-root USER (e.g.\n"
    "                           NET_BIND_SERVICE); repeatable\n"
    "  -c, --chown PATH         before dropping root, give PATH and everything below it\n"
    "                           to --user's user and group: only what differs, never\n"
    "                           following links or entering other mounts; creates a\n"
    "                           missing PATH (repeatable; PATH must be absolute)\n"
    "      --chown-best-effort  per-entry --chown errors are warnings, not fatal\n"
    "      --chown-policy POLICY\n"
    "                           always (default): walk every --chown PATH at every\n"
    "                           start; root-mismatch: skip a PATH whose top already\n"
    "                           is as asked (its top is changed last, after a walk\n"
    "                           without errors)\n"
    "      --chown-to OWNER     give the --chown paths to OWNER instead: USER (the\n"
    "                           owner alone), USER:GROUP, or :GROUP (the group alone)\n"
    "      --chmod MODE         also set the modes below every --chown PATH where they\n"
    "                           differ: symbolic (u+rwX,g=u) or octal; never through\n"
    "                           a link\n"
    "      --allow-privilege-escalation\n"
    "                           keep the bounding set and leave no_new_privs unset\n"
    "                           (for sudo or setuid helpers); by default a non-root\n"
    "                           USER gets no_new_privs and an empty bounding set\n"
    "  -t, --grace SECONDS      time allowed to stop after a TERM, INT or QUIT, and for\n"
    "                           leftover processes after COMMAND exits; then SIGKILL\n"
    "                           (default 8, decimals allowed)\n"
    "  -g, --process-group      forward signals to COMMAND's whole process group\n"
    "  -r, --rewrite FROM:TO    forward signal FROM as TO; TO 'none' or 0 drops it\n"
    "                           (repeatable; e.g. TERM:QUIT)\n"
    "  -e, --remap-exit FROM:TO exit with TO when COMMAND exits with FROM (repeatable;\n"
    "                           e.g. 143:0)\n"
    "  -p, --pdeathsig SIGNAL   when not PID 1: act on SIGNAL when warden's parent dies\n"
    "      --require-env NAME   exit 125 unless NAME is set and not empty, naming\n"
    "                           every missing one (repeatable)\n"
    "      --log-format FORMAT  text (default) or json: one JSON object per line\n"
    "  -v, --verbose            say what warden does (repeat for more)\n"
    "  -q, --quiet              say nothing but errors\n"
    "  -h, --help               print this help and exit\n"
    "  -V, --version            print the version and exit\n"
    "\n"
    "\n"
    "warden probe [--timeout SECONDS] URL: a health check (see warden probe --help).\n"
    "Called as tini, docker-init, dumb-init, catatonit, gosu, su-exec or setpriv (or\n"
    "warden --personality NAME ...), warden answers as that tool (see the man page).\n"
    "\n"
    "Exit status: COMMAND's own; 128+N if it died of signal N; 125 if warden failed;\n"
    "126 if COMMAND cannot be executed; 127 if it is not found.\n";

void config_init(struct config *cfg)
{
    /* Everything but the string store, which strings_used = 0 makes empty. */
    memset(cfg, 0, offsetof(struct config, strings));
    cfg->log_format = LOG_FORMAT_TEXT;
    cfg->grace_ns = DEFAULT_GRACE_NS;
    cfg->failure_exit = EXIT_WARDEN_FAILED;
    cfg->caps.harden = true;
}

int config_forwarded_signal(const struct config *cfg, int sig)
{
    return cfg->signal_rewrite[sig] ? cfg->signal_rewrite[sig] - 1 : sig;
}

static const struct option_spec *spec_for(int id)
{
    for (size_t i = 0; i < OPTION_COUNT; i++)
        if (option_specs[i].id == id)
            return &option_specs[i];
    return NULL;
}

/* Where a value came from, for messages: "--grace" or "WARDEN_GRACE". */
struct origin {
    char label[64];
};

__attribute__((format(printf, 2, 3))) static void fail(const struct origin *origin, const char *fmt,
                                                       ...)
{
    char why[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof(why), fmt, ap);
    va_end(ap);
    log_error("%s: %s", origin->label, why);
}

static int parse_signal_value(const struct origin *origin, const char *text, bool allow_none,
                              int *out)
{
    if (allow_none && (strcasecmp(text, "none") == 0 || strcmp(text, "0") == 0)) {
        *out = SIGNAL_DROPPED;
        return 0;
    }
    int sig = signal_from_name(text);
    if (sig <= 0 || sig >= WARDEN_NSIG) {
        fail(origin, "unknown signal '%s'", text);
        return -1;
    }
    *out = sig;
    return 0;
}

static int apply_rewrite(struct config *cfg, const struct origin *origin, const char *value)
{
    char from_text[64], to_text[64];
    int from, to;
    if (parse_pair(value, from_text, to_text, sizeof(from_text)) != 0) {
        fail(origin, "'%s' is not FROM:TO", value);
        return -1;
    }
    if (parse_signal_value(origin, from_text, false, &from) != 0 ||
        parse_signal_value(origin, to_text, true, &to) != 0)
        return -1;
    if (from == SIGKILL || from == SIGSTOP || from == SIGCHLD) {
        fail(origin, "'%s': KILL, STOP and CHLD cannot be rewritten", value);
        return -1;
    }
    cfg->signal_rewrite[from] = to + 1;
    return 0;
}

static int apply_remap_exit(struct config *cfg, const struct origin *origin, const char *value)
{
    char from_text[64], to_text[64];
    unsigned long from, to;
    if (parse_pair(value, from_text, to_text, sizeof(from_text)) != 0) {
        fail(origin, "'%s' is not FROM:TO", value);
        return -1;
    }
    if (parse_unsigned(from_text, 255, &from) != 0 || parse_unsigned(to_text, 255, &to) != 0) {
        fail(origin, "'%s': exit codes are numbers from 0 to 255", value);
        return -1;
    }
    cfg->exit_remap[from] = (int)to + 1;
    return 0;
}

/* A repeatable option's values, up to CONFIG_LIST_MAX. */
static int append_value(const struct origin *origin, const char **list, size_t *count,
                        const char *value)
{
    if (*count == CONFIG_LIST_MAX) {
        fail(origin, "more than %d values", CONFIG_LIST_MAX);
        return -1;
    }
    list[(*count)++] = value;
    return 0;
}

/* Lists given on the command line replace those from the environment. */
static void reset_option(struct config *cfg, int id)
{
    switch (id) {
    case OPT_VERBOSE:
        cfg->verbosity = 0;
        break;
    case OPT_REWRITE:
        memset(cfg->signal_rewrite, 0, sizeof(cfg->signal_rewrite));
        break;
    case OPT_REMAP_EXIT:
        memset(cfg->exit_remap, 0, sizeof(cfg->exit_remap));
        break;
    case OPT_CAP:
        cfg->caps.kept_count = 0;
        break;
    case OPT_CHOWN:
        cfg->chown_count = 0;
        break;
    case OPT_REQUIRE_ENV:
        cfg->required_env_count = 0;
        break;
    default:
        break;
    }
}

/* A flag given on the command line (no value): on, or one more -v. */
static int apply_flag(struct config *cfg, int id)
{
    switch (id) {
    case OPT_VERBOSE:
        if (cfg->verbosity < 9)
            cfg->verbosity = cfg->verbosity < 0 ? 1 : cfg->verbosity + 1;
        return 0;
    case OPT_PROCESS_GROUP:
        cfg->process_group = true;
        return 0;
    case OPT_QUIET:
        cfg->verbosity = -1;
        return 0;
    case OPT_ALLOW_ESCALATION:
        cfg->caps.harden = false;
        return 0;
    case OPT_CHOWN_BEST_EFFORT:
        cfg->chown_best_effort = true;
        return 0;
    default:
        return -1; /* getopt gives every other option a value */
    }
}

static int apply_option(struct config *cfg, int id, const struct origin *origin, const char *value)
{
    unsigned long number;
    if (!value)
        return apply_flag(cfg, id);
    /* From here on the value is text: an option's argument, or a WARDEN_* variable's
     * value (flags arrive from the environment as "1" or "0"). */
    switch (id) {
    case OPT_VERBOSE:
        if (parse_unsigned(value, 9, &number) != 0) {
            fail(origin, "'%s' is not a verbosity level from 0 to 9", value);
            return -1;
        }
        cfg->verbosity = (int)number;
        return 0;
    case OPT_GRACE:
        if (parse_duration(value, 86400ul * 365, &cfg->grace_ns) != 0) {
            fail(origin, "'%s' is not a number of seconds (like 5 or 0.5)", value);
            return -1;
        }
        return 0;
    case OPT_PROCESS_GROUP:
        cfg->process_group = strcmp(value, "1") == 0;
        return 0;
    case OPT_REWRITE:
        return apply_rewrite(cfg, origin, value);
    case OPT_REMAP_EXIT:
        return apply_remap_exit(cfg, origin, value);
    case OPT_PDEATHSIG:
        return parse_signal_value(origin, value, false, &cfg->pdeathsig);
    case OPT_USER:
        if (*value == '\0') {
            fail(origin, "empty user");
            return -1;
        }
        cfg->user = value;
        return 0;
    case OPT_GROUPS:
        cfg->groups = value;
        cfg->groups_given = true;
        return 0;
    case OPT_CAP: {
        char why[256];
        if (caps_parse_list(value, &cfg->caps, why, sizeof(why)) != 0) {
            fail(origin, "%s", why);
            return -1;
        }
        return 0;
    }
    case OPT_CHOWN:
        if (value[0] != '/') {
            fail(origin, "'%s' is not an absolute path", value);
            return -1;
        }
        return append_value(origin, cfg->chown_paths, &cfg->chown_count, value);
    case OPT_REQUIRE_ENV:
        if (*value == '\0' || strchr(value, '=')) {
            fail(origin, "'%s' is not a variable name", value);
            return -1;
        }
        return append_value(origin, cfg->required_env, &cfg->required_env_count, value);
    case OPT_LOG_FORMAT:
        if (strcmp(value, "text") == 0) {
            cfg->log_format = LOG_FORMAT_TEXT;
        } else if (strcmp(value, "json") == 0) {
            cfg->log_format = LOG_FORMAT_JSON;
        } else {
            fail(origin, "'%s' is not text or json", value);
            return -1;
        }
        return 0;
    case OPT_QUIET:
        if (strcmp(value, "1") == 0)
            cfg->verbosity = -1;
        return 0;
    case OPT_CHOWN_BEST_EFFORT:
        cfg->chown_best_effort = strcmp(value, "1") == 0;
        return 0;
    case OPT_CHOWN_POLICY:
        if (volume_policy_parse(value, &cfg->chown_policy) != 0) {
            fail(origin, "'%s' is not always or root-mismatch", value);
            return -1;
        }
        return 0;
    case OPT_CHOWN_TO:
        if (*value == '\0') {
            fail(origin, "empty owner");
            return -1;
        }
        cfg->chown_to = value;
        return 0;
    case OPT_CHMOD: {
        char why[256];
        if (mode_parse(value, &cfg->chmod, why, sizeof(why)) != 0) {
            fail(origin, "%s", why);
            return -1;
        }
        return 0;
    }
    case OPT_ALLOW_ESCALATION:
        cfg->caps.harden = strcmp(value, "1") != 0;
        return 0;
    default:
        return -1;
    }
}

/* The option that a "WARDEN_NAME=value" entry sets, with *value pointing after the '=';
 * NULL when the entry is not one of warden's. NAME is the long option in upper case with
 * '_' for '-'. */
static const struct option_spec *env_option(const char *entry, const char **value)
{
    if (!env_is_warden(entry))
        return NULL;
    for (size_t i = 0; i < OPTION_COUNT; i++) {
        const struct option_spec *spec = &option_specs[i];
        const char *name = spec->name, *e = entry + 7;
        if (!spec->from_environment)
            continue;
        for (; *name; name++, e++) {
            char expected =
                *name == '-' ? '_' : (char)(*name - ('a' <= *name && *name <= 'z' ? 32 : 0));
            if (*e != expected)
                break;
        }
        if (*name == '\0' && *e == '=') {
            *value = e + 1;
            return spec;
        }
    }
    return NULL;
}

static int parse_env_flag(const struct origin *origin, const char *value, bool *out)
{
    static const char *const yes[] = {"1", "true", "yes", "on"};
    static const char *const no[] = {"0", "false", "no", "off", ""};
    for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
        if (strcasecmp(value, yes[i]) == 0)
            return *out = true, 0;
    for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
        if (strcasecmp(value, no[i]) == 0)
            return *out = false, 0;
    fail(origin, "'%s' is not 1/true/yes or 0/false/no", value);
    return -1;
}

static char *keep_string(struct config *cfg, const char *text, size_t len)
{
    if (len + 1 > sizeof(cfg->strings) - cfg->strings_used)
        return NULL;
    char *copy = cfg->strings + cfg->strings_used;
    memcpy(copy, text, len);
    copy[len] = '\0';
    cfg->strings_used += len + 1;
    return copy;
}

static int apply_environment(struct config *cfg, char **envp)
{
    /* One pass over the environment: only WARDEN_ entries are looked at closely. */
    for (char **entry = envp; entry && *entry; entry++) {
        const char *value;
        const struct option_spec *spec = env_option(*entry, &value);
        struct origin origin;
        if (!spec)
            continue;
        size_t name_len = (size_t)(value - 1 - *entry);
        if (name_len >= sizeof(origin.label))
            continue;
        memcpy(origin.label, *entry, name_len);
        origin.label[name_len] = '\0';
        /* An empty variable counts as unset, as compose files use WARDEN_X= to clear one. */
        if (*value == '\0' && spec->kind != VALUE_NONE)
            continue;
        if (spec->kind == VALUE_NONE) {
            bool on;
            if (parse_env_flag(&origin, value, &on) != 0)
                return -1;
            if (apply_option(cfg, spec->id, &origin, on ? "1" : "0") != 0)
                return -1;
        } else {
            /* Lists are comma-separated; every value is copied into the config's own store
             * because environ is edited later (cli_scrub_environment). */
            const char *item = value;
            for (;;) {
                size_t len = spec->kind == VALUE_LIST ? strcspn(item, ",") : strlen(item);
                char *copy = keep_string(cfg, item, len);
                if (!copy) {
                    log_error("%s: value too long", origin.label);
                    return -1;
                }
                if (apply_option(cfg, spec->id, &origin, copy) != 0)
                    return -1;
                if (item[len] == '\0')
                    break;
                item += len + 1;
            }
        }
    }
    return 0;
}

#define SHORT_OPTIONS "+:hVvqt:gr:e:p:u:G:c:"

/* Whether the option word (without its value) takes its value from the next word. */
static bool value_in_next_word(const char *word)
{
    if (word[1] == '-') {
        if (strchr(word, '='))
            return false;
        for (size_t i = 0; i < OPTION_COUNT; i++)
            if (strcmp(word + 2, option_specs[i].name) == 0)
                return option_specs[i].kind == VALUE_ONE || option_specs[i].kind == VALUE_LIST;
        return false;
    }
    /* A cluster like -vt: the first letter that takes a value takes the rest, or the next
     * word when it is last. */
    for (const char *c = word + 1; *c; c++) {
        const char *spec = strchr(&SHORT_OPTIONS[2], *c);
        if (spec && *c != ':' && spec[1] == ':')
            return c[1] == '\0';
    }
    return false;
}

static void configure_log_format_early(int argc, char **argv, char **envp)
{
    enum log_format format = LOG_FORMAT_TEXT;
    const char *value = env_lookup(envp, "WARDEN_LOG_FORMAT");
    if (value && strcmp(value, "json") == 0)
        format = LOG_FORMAT_JSON;
    for (int i = 1; i < argc && argv[i][0] == '-' && argv[i][1] && strcmp(argv[i], "--") != 0;
         i++) {
        if (strcmp(argv[i], "--log-format") == 0 && i + 1 < argc) {
            value = argv[++i];
        } else if (strncmp(argv[i], "--log-format=", 13) == 0) {
            value = argv[i] + 13;
        } else {
            if (value_in_next_word(argv[i]))
                i++;
            continue;
        }
        format = strcmp(value, "json") == 0 ? LOG_FORMAT_JSON : LOG_FORMAT_TEXT;
    }
    log_configure(0, format);
}

void cli_configure_probe_logging(char **envp)
{
    configure_log_format_early(0, NULL, envp);
}

enum cli_result cli_parse(int argc, char **argv, char **envp, struct config *cfg)
{
    static const struct option long_options[] = {
        {"help", no_argument, NULL, OPT_HELP},
        {"version", no_argument, NULL, OPT_VERSION},
        {"verbose", no_argument, NULL, OPT_VERBOSE},
        {"grace", required_argument, NULL, OPT_GRACE},
        {"process-group", no_argument, NULL, OPT_PROCESS_GROUP},
        {"rewrite", required_argument, NULL, OPT_REWRITE},
        {"remap-exit", required_argument, NULL, OPT_REMAP_EXIT},
        {"pdeathsig", required_argument, NULL, OPT_PDEATHSIG},
        {"user", required_argument, NULL, OPT_USER},
        {"groups", required_argument, NULL, OPT_GROUPS},
        {"cap", required_argument, NULL, OPT_CAP},
        {"allow-privilege-escalation", no_argument, NULL, OPT_ALLOW_ESCALATION},
        {"chown", required_argument, NULL, OPT_CHOWN},
        {"chown-best-effort", no_argument, NULL, OPT_CHOWN_BEST_EFFORT},
        {"chown-policy", required_argument, NULL, OPT_CHOWN_POLICY},
        {"chmod", required_argument, NULL, OPT_CHMOD},
        {"chown-to", required_argument, NULL, OPT_CHOWN_TO},
        {"require-env", required_argument, NULL, OPT_REQUIRE_ENV},
        {"log-format", required_argument, NULL, OPT_LOG_FORMAT},
        {"quiet", no_argument, NULL, OPT_QUIET},
        {NULL, 0, NULL, 0},
    };
    bool seen[512] = {false};

    configure_log_format_early(argc, argv, envp);
    config_init(cfg);
    cfg->log_format = log_format_configured();
    if (apply_environment(cfg, envp) != 0)
        return CLI_ERROR;
    log_configure(cfg->verbosity, cfg->log_format);

    /* '+': stop at the first word that is not an option, so COMMAND keeps its flags. */
    opterr = 0;
    optind = 0;
    for (;;) {
        int id = getopt_long(argc, argv, SHORT_OPTIONS, long_options, NULL);
        if (id == -1)
            break;
        const char *word = argv[optind - 1];
        if (id == '?') {
            log_error("unknown option '%s' (see warden --help)", word);
            return CLI_ERROR;
        }
        if (id == ':') {
            log_error("option '%s' needs a value (see warden --help)", word);
            return CLI_ERROR;
        }
        if (id == OPT_HELP) {
            fputs(usage_text, stdout);
            fflush(stdout);
            return CLI_DONE;
        }
        if (id == OPT_VERSION) {
            printf("warden %s\n", WARDEN_VERSION);
            fflush(stdout);
            return CLI_DONE;
        }
        const struct option_spec *spec = spec_for(id);
        struct origin origin;
        snprintf(origin.label, sizeof(origin.label), "--%s", spec ? spec->name : "?");
        if (!seen[id]) {
            reset_option(cfg, id);
            seen[id] = true;
        }
        if (apply_option(cfg, id, &origin,
                         spec && spec->kind == VALUE_ONE
                             ? optarg
                             : (spec && spec->kind == VALUE_LIST ? optarg : NULL)) != 0)
            return CLI_ERROR;
        log_configure(cfg->verbosity, cfg->log_format);
    }
    if (optind >= argc) {
        log_error("no command given (see warden --help)");
        return CLI_ERROR;
    }
    cfg->command = argv + optind;
    if (!cfg->user && !cfg->chown_to && cfg->chown_count > 0) {
        log_error("--chown needs --user or --chown-to");
        return CLI_ERROR;
    }
    if (!cfg->user && (cfg->groups_given || cfg->caps.kept_count > 0)) {
        log_error("%s needs --user", cfg->groups_given ? "--groups" : "--cap");
        return CLI_ERROR;
    }
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

int cli_check_required_environment(const struct config *cfg)
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
    log_error("required environment variable%s not set or empty: %s", count > 1 ? "s" : "",
              missing);
    return -1;
}
