#include "probe.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "clock.h"
#include "exit_status.h"
#include "hosts.h"
#include "log.h"
#include "parse.h"
#include "url.h"

#define PROBE_HEALTHY      0
#define PROBE_UNHEALTHY    1
#define DEFAULT_TIMEOUT_NS (5ull * 1000000000ull)

static const char probe_usage[] =
    "Usage: warden probe [--timeout SECONDS] URL\n"
    "\n"
    "Exit 0 when URL is healthy, 1 when it is not (with one line saying why), 125 when\n"
    "the URL or an option is malformed.\n"
    "  http://HOST[:PORT]/PATH       GET; healthy when the status is below 400\n"
    "  tcp://HOST:PORT               healthy when a connection opens\n"
    "  unix:///path/to.sock          healthy when a connection opens\n"
    "  http+unix:///path/to.sock:/PATH   GET over a unix socket\n"
    "HOST: an IPv4 or [IPv6] address, localhost, or a name in /etc/hosts (no DNS).\n"
    "  -t, --timeout SECONDS         for connect, send and receive together (default 5)\n";

struct target {
    struct sockaddr_storage addr;
    socklen_t len;
};

__attribute__((format(printf, 2, 3))) static int unhealthy(const char *url, const char *fmt, ...)
{
    char why[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof(why), fmt, ap);
    va_end(ap);
    log_fields(LOG_LEVEL_ERROR, (struct log_field[]){LOG_STR("url", url)}, 1, "probe %s: %s", url,
               why);
    return PROBE_UNHEALTHY;
}

static int resolve(const struct url *u, struct target *t)
{
    if (u->scheme == URL_UNIX || u->scheme == URL_HTTP_UNIX) {
        struct sockaddr_un *sun = (struct sockaddr_un *)&t->addr;
        memset(&t->addr, 0, sizeof(t->addr));
        sun->sun_family = AF_UNIX;
        memcpy(sun->sun_path, u->socket_path, strlen(u->socket_path) + 1);
        t->len = (socklen_t)sizeof(*sun);
        return 0;
    }
    if (address_literal(u->host, &t->addr, &t->len) != 0 &&
        hosts_lookup("/etc/hosts", u->host, &t->addr, &t->len) != 0) {
        /* Like curl, localhost needs no entry. */
        if (strcasecmp(u->host, "localhost") != 0 ||
            address_literal("127.0.0.1", &t->addr, &t->len) != 0)
            return -1;
    }
    uint16_t port = htons((uint16_t)u->port);
    if (t->addr.ss_family == AF_INET)
        ((struct sockaddr_in *)&t->addr)->sin_port = port;
    else
        ((struct sockaddr_in6 *)&t->addr)->sin6_port = port;
    return 0;
}

/* Waits for events on fd until the deadline: 1 ready, 0 timed out, -1 error. */
static int wait_for(int fd, short events, const struct timespec *deadline)
{
    for (;;) {
        struct timespec left = clock_until(deadline);
        int ms = (int)(left.tv_sec * 1000 + left.tv_nsec / 1000000);
        if (ms == 0 && (left.tv_sec > 0 || left.tv_nsec > 0))
            ms = 1;
        struct pollfd p = {.fd = fd, .events = events};
        int n = poll(&p, 1, ms);
        if (n < 0 && errno == EINTR)
            continue;
        return n < 0 ? -1 : (n > 0 ? 1 : 0);
    }
}

/* One probe's connection: what it is for (messages) and when it must be over. */
struct exchange {
    const char *text;
    int fd;
    struct timespec deadline;
    char seconds[32];
};

static int connect_to(struct exchange *x, const struct target *t)
{
    if (connect(x->fd, (const struct sockaddr *)&t->addr, t->len) == 0)
        return PROBE_HEALTHY;
    if (errno != EINPROGRESS && errno != EAGAIN)
        return unhealthy(x->text, "connection failed: %s", strerror(errno));
    int ready = wait_for(x->fd, POLLOUT, &x->deadline);
    int err = 0;
    socklen_t len = sizeof(err);
    if (ready == 0)
        return unhealthy(x->text, "timed out after %s while connecting", x->seconds);
    if (ready < 0 || getsockopt(x->fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0 || err)
        return unhealthy(x->text, "connection failed: %s", strerror(err ? err : errno));
    return PROBE_HEALTHY;
}

static int send_request(struct exchange *x, const struct url *u)
{
    char request[3072];
    int length;
    if (u->host_is_ipv6_literal)
        length = snprintf(request, sizeof(request),
                          "GET %s HTTP/1.1\r\nHost: [%s]:%u\r\nUser-Agent: warden-probe\r\n"
                          "Connection: close\r\n\r\n",
                          u->target, u->host, u->port);
    else if (u->scheme == URL_HTTP_UNIX)
        length = snprintf(request, sizeof(request),
                          "GET %s HTTP/1.1\r\nHost: localhost\r\nUser-Agent: warden-probe\r\n"
                          "Connection: close\r\n\r\n",
                          u->target);
    else
        length = snprintf(request, sizeof(request),
                          "GET %s HTTP/1.1\r\nHost: %s:%u\r\nUser-Agent: warden-probe\r\n"
                          "Connection: close\r\n\r\n",
                          u->target, u->host, u->port);
    for (int sent = 0; sent < length;) {
        if (wait_for(x->fd, POLLOUT, &x->deadline) != 1)
            return unhealthy(x->text, "timed out after %s while sending the request", x->seconds);
        ssize_t n = send(x->fd, request + sent, (size_t)(length - sent), MSG_NOSIGNAL);
        if (n < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (n < 0)
            return unhealthy(x->text, "unable to send the request: %s", strerror(errno));
        sent += (int)n;
    }
    return PROBE_HEALTHY;
}

static int read_status(struct exchange *x)
{
    /* Only the status line matters: read until it is complete. */
    char response[512] = {0};
    size_t got = 0;
    while (got < sizeof(response) && !memchr(response, '\n', got)) {
        int ready = wait_for(x->fd, POLLIN, &x->deadline);
        if (ready == 0)
            return unhealthy(x->text, "timed out after %s waiting for the response", x->seconds);
        ssize_t n = recv(x->fd, response + got, sizeof(response) - got, 0);
        if (n < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (n < 0)
            return unhealthy(x->text, "unable to read the response: %s", strerror(errno));
        if (n == 0)
            break;
        got += (size_t)n;
    }
    int code = http_status_code(response, got);
    if (code < 0)
        return unhealthy(x->text, "%s", got ? "the response is not HTTP/1.x" : "empty response");
    if (code >= 400)
        return unhealthy(x->text, "status %d", code);
    return PROBE_HEALTHY;
}

static int check(const char *text, const struct url *u, const struct target *t, uint64_t timeout_ns)
{
    struct exchange x = {.text = text, .deadline = clock_after_ns(timeout_ns)};
    snprintf(x.seconds, sizeof(x.seconds), "%.3g s", (double)timeout_ns / 1e9);
    x.fd = socket(t->addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (x.fd < 0)
        return unhealthy(text, "unable to create a socket: %s", strerror(errno));
    int rc = connect_to(&x, t);
    /* tcp:// and unix:// are healthy once connected. */
    if (rc == PROBE_HEALTHY && u->scheme != URL_TCP && u->scheme != URL_UNIX) {
        rc = send_request(&x, u);
        if (rc == PROBE_HEALTHY)
            rc = read_status(&x);
    }
    close(x.fd);
    return rc;
}

int probe_main(int argc, char **argv, char **envp)
{
    const char *format = env_lookup(envp, "WARDEN_LOG_FORMAT");
    log_configure(0, format && strcmp(format, "json") == 0 ? LOG_FORMAT_JSON : LOG_FORMAT_TEXT);
    static const struct option options[] = {
        {"timeout", required_argument, NULL, 't'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    uint64_t timeout_ns = DEFAULT_TIMEOUT_NS;
    opterr = 0;
    optind = 0;
    for (;;) {
        int opt = getopt_long(argc, argv, "+:t:h", options, NULL);
        if (opt == -1)
            break;
        if (opt == 'h') {
            fputs(probe_usage, stdout);
            return 0;
        }
        if (opt == 't' && (parse_duration(optarg, 3600, &timeout_ns) != 0 || timeout_ns == 0)) {
            log_error("probe --timeout: '%s' is not a number of seconds above 0", optarg);
            return EXIT_WARDEN_FAILED;
        }
        if (opt == '?' || opt == ':') {
            log_error("probe: %s '%s' (see warden probe --help)",
                      opt == ':' ? "option needs a value:" : "unknown option", argv[optind - 1]);
            return EXIT_WARDEN_FAILED;
        }
    }
    if (argc - optind != 1) {
        log_error("probe: give exactly one URL (see warden probe --help)");
        return EXIT_WARDEN_FAILED;
    }
    const char *text = argv[optind];
    struct url u;
    struct target t;
    char why[256];
    if (url_parse(text, &u, why, sizeof(why)) != 0) {
        log_error("probe: malformed URL '%s': %s", text, why);
        return EXIT_WARDEN_FAILED;
    }
    if (resolve(&u, &t) != 0)
        return unhealthy(text, "cannot resolve '%s' (names come from /etc/hosts only)", u.host);
    return check(text, &u, &t, timeout_ns);
}
