/* The URLs of `warden probe`: http://, tcp://, unix:// and http+unix://. */
#ifndef WARDEN_URL_H
#define WARDEN_URL_H

#include <stdbool.h>
#include <stddef.h>

enum url_scheme { URL_HTTP, URL_TCP, URL_UNIX, URL_HTTP_UNIX };

struct url {
    enum url_scheme scheme;
    char host[256]; /* without IPv6 brackets; empty for unix schemes */
    bool host_is_ipv6_literal;
    unsigned port;         /* 1..65535 */
    char target[2048];     /* HTTP request target: path and query, starting with '/' */
    char socket_path[108]; /* unix schemes */
};

/* 0, or -1 with the reason in why. */
int url_parse(const char *text, struct url *out, char *why, size_t why_size);

/* url_parse, with the whole message in why: "'TEXT' is not a URL warden can check: REASON",
 * TEXT cut to URL_SHOWN_MAX bytes and "..." (a 2 KB path would drown the reason). */
#define URL_SHOWN_MAX 80
int url_parse_explained(const char *text, struct url *out, char *why, size_t why_size);

/* The status code of an HTTP/1.x status line at the start of response, or -1 when the
 * bytes are not one (yet). len bytes are looked at; no NUL is needed. */
int http_status_code(const char *response, size_t len);

#endif
