/* Everything warden says goes through here: one line per event on stderr. */
#ifndef WARDEN_LOG_H
#define WARDEN_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* NOTICE: an info line that shows without -v (what a user waits on), not with --quiet. */
enum log_level {
    LOG_LEVEL_ERROR = 0,
    LOG_LEVEL_WARN,
    LOG_LEVEL_INFO,
    LOG_LEVEL_DEBUG,
    LOG_LEVEL_NOTICE
};
enum log_format { LOG_FORMAT_TEXT, LOG_FORMAT_JSON };

/* Extra structured data for JSON lines; text lines carry it in the message already. */
struct log_field {
    const char *key;
    const char *text; /* NULL: the field is the number */
    long long number;
};

#define LOG_NUM(k, v) ((struct log_field){.key = (k), .text = NULL, .number = (long long)(v)})
#define LOG_STR(k, v) ((struct log_field){.key = (k), .text = (v), .number = 0})

/* verbosity: -1 errors only, 0 errors and warnings (default), 1 info, 2 debug. */
void log_configure(int verbosity, enum log_format format);
bool log_enabled(enum log_level level);

void log_fields(enum log_level level, const struct log_field *fields, size_t nfields,
                const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* What to do when a call fails for want of memory (ENOMEM). */
#define LOG_NO_MEMORY                                                                              \
    "the container is out of memory: raise its memory limit (docker run --memory; Kubernetes: "    \
    "resources.limits.memory)"

/* A call failed in a way no setting of the user's explains: "unable to <what>: <reason>:
 * unexpected on Linux <release> ...; please report this line". reason is strerror's text
 * or a few words. */
void log_unexpected(const char *reason, const char *what_fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* For functions that tell their caller why they failed: fills why, evaluates to -1. */
#define say_why(why, size, ...) (snprintf((why), (size), __VA_ARGS__), -1)

#define log_error(...) log_fields(LOG_LEVEL_ERROR, NULL, 0, __VA_ARGS__)
#define log_warn(...)  log_fields(LOG_LEVEL_WARN, NULL, 0, __VA_ARGS__)
#define log_info(...)  log_fields(LOG_LEVEL_INFO, NULL, 0, __VA_ARGS__)
#define log_debug(...) log_fields(LOG_LEVEL_DEBUG, NULL, 0, __VA_ARGS__)

#endif
