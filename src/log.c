#include "log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

/* Written once, when the options have been parsed, before anything else runs. */
static int log_verbosity;
static enum log_format log_format_in_use = LOG_FORMAT_TEXT;

void log_configure(int verbosity, enum log_format format)
{
    log_verbosity = verbosity;
    log_format_in_use = format;
}

bool log_enabled(enum log_level level)
{
    if (level == LOG_LEVEL_ERROR)
        return true;
    if (level == LOG_LEVEL_NOTICE)
        return log_verbosity >= 0;
    return (int)level <= log_verbosity + 1;
}

static const char *level_name(enum log_level level)
{
    switch (level) {
    case LOG_LEVEL_ERROR:
        return "error";
    case LOG_LEVEL_WARN:
        return "warn";
    case LOG_LEVEL_INFO:
    case LOG_LEVEL_NOTICE:
        return "info";
    case LOG_LEVEL_DEBUG:
        return "debug";
    }
    return "error";
}

struct line {
    char text[2048];
    size_t used;
};

static void put_raw(struct line *line, const char *bytes, size_t len)
{
    /* Keep room for the newline that ends every line. */
    size_t room = sizeof(line->text) - 1 - line->used;
    if (len > room)
        len = room;
    memcpy(line->text + line->used, bytes, len);
    line->used += len;
}

static void put_str(struct line *line, const char *s)
{
    put_raw(line, s, strlen(s));
}

static void put_json_string(struct line *line, const char *s)
{
    static const char hex[] = "0123456789abcdef";
    put_raw(line, "\"", 1);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\') {
            char esc[2] = {'\\', (char)*p};
            put_raw(line, esc, 2);
        } else if (*p < 0x20 || *p == 0x7f) {
            char esc[6] = {'\\', 'u', '0', '0', hex[*p >> 4], hex[*p & 15]};
            put_raw(line, esc, 6);
        } else if (*p >= 0x80) {
            /* Paths may hold bytes that are not UTF-8: escape them so every line parses. */
            char esc[6] = {'\\', 'u', '0', '0', hex[*p >> 4], hex[*p & 15]};
            put_raw(line, esc, 6);
        } else {
            put_raw(line, (const char *)p, 1);
        }
    }
    put_raw(line, "\"", 1);
}

static void put_timestamp(struct line *line)
{
    struct timespec now;
    struct tm utc;
    char stamp[96];
    /* Formatted by hand: strftime would bring the time zone code into the static binary. */
    if (clock_gettime(CLOCK_REALTIME, &now) != 0 || !gmtime_r(&now.tv_sec, &utc)) {
        put_str(line, "\"1970-01-01T00:00:00.000Z\"");
        return;
    }
    snprintf(stamp, sizeof(stamp), "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ", utc.tm_year + 1900,
             utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec,
             now.tv_nsec / 1000000);
    put_json_string(line, stamp);
}

/* write(2) directly: no stdio buffer to lose, and EPIPE (SIGPIPE is blocked) is not fatal. */
static void write_line(const struct line *line)
{
    size_t done = 0;
    while (done < line->used) {
        ssize_t n = write(STDERR_FILENO, line->text + done, line->used - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return;
        done += (size_t)n;
    }
}

void log_fields(enum log_level level, const struct log_field *fields, size_t nfields,
                const char *fmt, ...)
{
    if (!log_enabled(level))
        return;
    int saved_errno = errno;
    char message[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(message, sizeof(message), fmt, ap);
    va_end(ap);

    struct line line = {.used = 0};
    if (log_format_in_use == LOG_FORMAT_JSON) {
        put_str(&line, "{\"time\":");
        put_timestamp(&line);
        put_str(&line, ",\"level\":\"");
        put_str(&line, level_name(level));
        put_str(&line, "\",\"message\":");
        put_json_string(&line, message);
        char number[32];
        snprintf(number, sizeof(number), "%ld", (long)getpid());
        put_str(&line, ",\"warden_pid\":");
        put_str(&line, number);
        for (size_t i = 0; i < nfields; i++) {
            put_str(&line, ",");
            put_json_string(&line, fields[i].key);
            put_str(&line, ":");
            if (fields[i].text) {
                put_json_string(&line, fields[i].text);
            } else {
                snprintf(number, sizeof(number), "%lld", fields[i].number);
                put_str(&line, number);
            }
        }
        put_str(&line, "}");
    } else {
        put_str(&line, "warden: ");
        if (level == LOG_LEVEL_WARN)
            put_str(&line, "warning: ");
        /* One event, one line: a newline inside a message would break log parsers. */
        for (char *p = message; *p; p++)
            if (*p == '\n' || *p == '\r')
                *p = ' ';
        put_str(&line, message);
    }
    line.text[line.used++] = '\n';
    write_line(&line);
    errno = saved_errno;
}

void log_unexpected(const char *reason, const char *what_fmt, ...)
{
    char what[512];
    struct utsname system;
    va_list ap;
    va_start(ap, what_fmt);
    vsnprintf(what, sizeof(what), what_fmt, ap);
    va_end(ap);
    /* The kernel's release is what a report needs first: put it in the line itself. */
    log_error("unable to %s: %s: unexpected on Linux %s (unless the container's seccomp profile "
              "or security module refuses the call): please report this line to warden's "
              "maintainers",
              what, reason, uname(&system) == 0 ? system.release : "(release unknown)");
}
