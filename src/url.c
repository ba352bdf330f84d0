#include "url.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "parse.h"

static int fail(char *why, size_t size, const char *what)
{
    snprintf(why, size, "%s", what);
    return -1;
}

static bool is_host_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '-' || c == '_';
}

/* Printable ASCII without spaces: what may stand in a request line as it is. */
static int check_target(const char *target, char *why, size_t size)
{
    for (const unsigned char *p = (const unsigned char *)target; *p; p++)
        if (*p <= ' ' || *p >= 0x7f)
            return fail(why, size,
                        "the path has spaces, control or non-ASCII characters: percent-encode "
                        "them, as in /a%20b for '/a b'");
    if (strchr(target, '#'))
        return fail(why, size, "a fragment (#...) never reaches the server: leave it out");
    return 0;
}

static int parse_ipv6(const char *start, const char *end, struct url *out, const char **host_end,
                      char *why, size_t size)
{
    const char *close = memchr(start, ']', (size_t)(end - start));
    if (!close)
        return fail(why, size, "the [IPv6] address has no ']': close it, as in http://[::1]:8080/");
    if (close + 1 != end && close[1] != ':')
        return fail(why, size, "only :PORT may follow the [IPv6] address, as in tcp://[::1]:5432");
    size_t len = (size_t)(close - start - 1);
    unsigned char addr[16];
    if (len > 0 && len < sizeof(out->host)) {
        memcpy(out->host, start + 1, len);
        out->host[len] = '\0';
    }
    if (len == 0 || len >= sizeof(out->host) || inet_pton(AF_INET6, out->host, addr) != 1)
        return fail(why, size,
                    "what stands between [ and ] is not an IPv6 address: give one, as in "
                    "[::1] or [fd00::5]");
    out->host_is_ipv6_literal = true;
    *host_end = close + 1;
    return 0;
}

static int parse_name(const char *start, const char *end, struct url *out, const char **host_end,
                      char *why, size_t size)
{
    const char *colon = memchr(start, ':', (size_t)(end - start));
    *host_end = colon ? colon : end;
    size_t len = (size_t)(*host_end - start);
    if (len == 0)
        return fail(why, size, "no host before the port: give one, as in tcp://localhost:5432");
    if (len >= sizeof(out->host))
        return fail(why, size,
                    "the host is longer than 255 bytes: give a shorter name, or an address");
    for (const char *p = start; p < *host_end; p++)
        if (!is_host_char(*p))
            return fail(why, size,
                        "the host has a character a host name cannot have: give a name "
                        "(letters, digits, '.', '-', '_'), an IPv4 address or an [IPv6] "
                        "address");
    memcpy(out->host, start, len);
    out->host[len] = '\0';
    return 0;
}

/* host[:port] up to end; port required unless default_port != 0. */
static int parse_authority(const char *start, const char *end, unsigned default_port,
                           struct url *out, char *why, size_t size)
{
    const char *host_end;
    if (start == end)
        return fail(why, size, "no host: give one, as in http://localhost:8080/health");
    if (memchr(start, '@', (size_t)(end - start)))
        return fail(why, size,
                    "USER@ is not supported (warden sends no credentials): give the host "
                    "alone, as in http://HOST:PORT/PATH");
    if ((*start == '[' ? parse_ipv6 : parse_name)(start, end, out, &host_end, why, size) != 0)
        return -1;
    if (host_end < end) {
        const char *port_text = host_end + 1;
        char digits[8];
        size_t len = (size_t)(end - port_text);
        unsigned long port;
        if (len == 0)
            return fail(why, size, "nothing after ':': give a port from 1 to 65535");
        if (len >= sizeof(digits))
            len = sizeof(digits) - 1; /* too many digits: out of range all the same */
        memcpy(digits, port_text, len);
        digits[len] = '\0';
        if (parse_unsigned(digits, 65535, &port) != 0 || port == 0)
            return fail(why, size, "the port must be a number from 1 to 65535");
        out->port = (unsigned)port;
    } else if (default_port) {
        out->port = default_port;
    } else {
        return fail(why, size, "a port is required: give tcp://HOST:PORT, as in tcp://db:5432");
    }
    return 0;
}

static int parse_socket_path(const char *start, size_t len, struct url *out, char *why, size_t size)
{
    if (len == 0 || start[0] != '/')
        return fail(why, size,
                    "the socket path must be absolute, as in unix:///run/app.sock or "
                    "http+unix:///run/app.sock:/health");
    if (len >= sizeof(out->socket_path))
        return fail(why, size,
                    "the socket path is longer than 107 bytes (the kernel's limit): give a "
                    "shorter path, or a link to the socket");
    memcpy(out->socket_path, start, len);
    out->socket_path[len] = '\0';
    return 0;
}

#define PATH_TOO_LONG "the path is longer than 2047 bytes: give a shorter one"

static int parse_http(const char *text, struct url *out, char *why, size_t why_size)
{
    const char *authority = text + 7;
    const char *slash = strchr(authority, '/');
    const char *end = slash ? slash : authority + strlen(authority);
    const char *query = memchr(authority, '?', (size_t)(end - authority));
    if (query)
        end = query;
    out->scheme = URL_HTTP;
    if (parse_authority(authority, end, 80, out, why, why_size) != 0)
        return -1;
    const char *target = *end ? end : "/";
    /* A query right after the authority gets its '/'. */
    bool slash_added = *target == '?';
    if (strlen(target) + 1 + slash_added > sizeof(out->target))
        return fail(why, why_size, PATH_TOO_LONG);
    snprintf(out->target, sizeof(out->target), "%s%s", slash_added ? "/" : "", target);
    return check_target(out->target, why, why_size);
}

int url_parse(const char *text, struct url *out, char *why, size_t why_size)
{
    memset(out, 0, sizeof(*out));
    if (strncmp(text, "http://", 7) == 0)
        return parse_http(text, out, why, why_size);
    if (strncmp(text, "tcp://", 6) == 0) {
        const char *authority = text + 6;
        size_t len = strlen(authority);
        if (len > 0 && authority[len - 1] == '/')
            len--;
        if (memchr(authority, '/', len))
            return fail(why, why_size,
                        "tcp:// takes no path: give tcp://HOST:PORT alone, or http:// to "
                        "request a path");
        out->scheme = URL_TCP;
        return parse_authority(authority, authority + len, 0, out, why, why_size);
    }
    if (strncmp(text, "unix://", 7) == 0) {
        out->scheme = URL_UNIX;
        return parse_socket_path(text + 7, strlen(text + 7), out, why, why_size);
    }
    if (strncmp(text, "http+unix://", 12) == 0) {
        /* http+unix:///run/app.sock:/health: the socket path ends at the first colon. */
        const char *path = text + 12, *colon = strchr(path, ':');
        out->scheme = URL_HTTP_UNIX;
        if (parse_socket_path(path, colon ? (size_t)(colon - path) : strlen(path), out, why,
                              why_size) != 0)
            return -1;
        const char *target = colon ? colon + 1 : "/";
        if (*target != '/')
            return fail(why, why_size,
                        "the HTTP path after the socket must start with '/', as in "
                        "http+unix:///run/app.sock:/health");
        if (strlen(target) + 1 > sizeof(out->target))
            return fail(why, why_size, PATH_TOO_LONG);
        strcpy(out->target, target);
        strcpy(out->host, "localhost");
        return check_target(out->target, why, why_size);
    }
    if (strncmp(text, "https://", 8) == 0)
        return fail(why, why_size,
                    "https is not supported: probe the plain HTTP port, as in "
                    "http://localhost:8080/health");
    return fail(why, why_size,
                "the URL must start with http://, tcp://, unix:// or http+unix://, as in "
                "http://localhost:8080/health");
}

int url_parse_explained(const char *text, struct url *out, char *why, size_t why_size)
{
    char reason[256];
    if (url_parse(text, out, reason, sizeof(reason)) == 0)
        return 0;
    size_t len = strlen(text);
    bool cut = len > URL_SHOWN_MAX;
    snprintf(why, why_size, "'%.*s%s' is not a URL warden can check: %s",
             (int)(cut ? URL_SHOWN_MAX - 3 : len), text, cut ? "..." : "", reason);
    return -1;
}

int http_status_code(const char *response, size_t len)
{
    /* "HTTP/1.x NNN" then a space, CR or LF. */
    if (len < 13 || memcmp(response, "HTTP/1.", 7) != 0 || response[7] < '0' || response[7] > '9' ||
        response[8] != ' ')
        return -1;
    int code = 0;
    for (int i = 9; i < 12; i++) {
        if (response[i] < '0' || response[i] > '9')
            return -1;
        code = code * 10 + (response[i] - '0');
    }
    if (code < 100 || (response[12] != ' ' && response[12] != '\r' && response[12] != '\n'))
        return -1;
    return code;
}
