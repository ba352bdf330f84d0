#include "check.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/un.h>
#include <unistd.h>

#include "clock.h"
#include "lookup.h"

/* Where a pending check is; each phase polls one fd for one event. */
enum phase { PHASE_LOOKUP, PHASE_CONNECT, PHASE_SEND, PHASE_RECEIVE, PHASE_OVER };

static const char *const phase_doing[] = {
    [PHASE_LOOKUP] = "while resolving the name",
    [PHASE_CONNECT] = "while connecting",
    [PHASE_SEND] = "while sending the request",
    [PHASE_RECEIVE] = "waiting for the response",
    [PHASE_OVER] = "",
};

static void let_go(struct check *c)
{
    if (c->phase == PHASE_LOOKUP && c->lookup)
        lookup_abandon(c->lookup);
    c->lookup = NULL;
    if (c->holds_socket)
        close(c->fd);
    c->holds_socket = false;
    c->fd = -1;
}

static enum check_state over(struct check *c, enum check_state state)
{
    let_go(c);
    c->phase = PHASE_OVER;
    c->state = state;
    c->elapsed_ns = clock_elapsed_ns(&c->started);
    return state;
}

__attribute__((format(printf, 2, 3))) static enum check_state unhealthy(struct check *c,
                                                                        const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->why, sizeof(c->why), fmt, ap);
    va_end(ap);
    return over(c, CHECK_UNHEALTHY);
}

static enum check_state timed_out(struct check *c)
{
    if (c->phase == PHASE_LOOKUP)
        return unhealthy(c, "timed out after %.3g s while resolving '%s'",
                         (double)c->timeout_ns / 1e9, c->url.host);
    return unhealthy(c, "timed out after %.3g s %s", (double)c->timeout_ns / 1e9,
                     phase_doing[c->phase]);
}

static void build_request(struct check *c)
{
    const struct url *u = &c->url;
    int n;
    if (u->host_is_ipv6_literal)
        n = snprintf(c->request, sizeof(c->request),
                     "GET %s HTTP/1.1\r\nHost: [%s]:%u\r\nUser-Agent: warden-probe\r\n"
                     "Connection: close\r\n\r\n",
                     u->target, u->host, u->port);
    else if (u->scheme == URL_HTTP_UNIX)
        n = snprintf(c->request, sizeof(c->request),
                     "GET %s HTTP/1.1\r\nHost: localhost\r\nUser-Agent: warden-probe\r\n"
                     "Connection: close\r\n\r\n",
                     u->target);
    else
        n = snprintf(c->request, sizeof(c->request),
                     "GET %s HTTP/1.1\r\nHost: %s:%u\r\nUser-Agent: warden-probe\r\n"
                     "Connection: close\r\n\r\n",
                     u->target, u->host, u->port);
    /* url_parse bounds host and target well below the buffer. */
    c->request_len = n < 0 ? 0 : (size_t)n;
    c->sent = 0;
}

static enum check_state receive(struct check *c)
{
    /* Only the status line matters: read until it is complete. */
    while (c->got < sizeof(c->response) && !memchr(c->response, '\n', c->got)) {
        ssize_t n = recv(c->fd, c->response + c->got, sizeof(c->response) - c->got, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EAGAIN)
            return CHECK_PENDING;
        if (n < 0)
            return unhealthy(c, "unable to read the response: %s", strerror(errno));
        if (n == 0)
            break;
        c->got += (size_t)n;
    }
    int code = http_status_code(c->response, c->got);
    if (code < 0)
        return unhealthy(c, "%s",
                         c->got ? "the answer is not HTTP/1.x: give the port that speaks HTTP, "
                                  "or check it with tcp:// instead"
                                : "the server closed the connection without an answer");
    c->http_status = code;
    if (code >= 400)
        return unhealthy(c, "status %d", code);
    return over(c, CHECK_HEALTHY);
}

static enum check_state send_request(struct check *c)
{
    while (c->sent < c->request_len) {
        ssize_t n = send(c->fd, c->request + c->sent, c->request_len - c->sent, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EAGAIN)
            return CHECK_PENDING;
        if (n < 0)
            return unhealthy(c, "unable to send the request: %s", strerror(errno));
        c->sent += (size_t)n;
    }
    c->phase = PHASE_RECEIVE;
    return receive(c);
}

/* tcp:// and unix:// are healthy once connected; http asks next. */
static enum check_state connected(struct check *c)
{
    if (c->url.scheme == URL_TCP || c->url.scheme == URL_UNIX)
        return over(c, CHECK_HEALTHY);
    build_request(c);
    c->phase = PHASE_SEND;
    return send_request(c);
}

/* Tries the addresses left in turn until one connects or is in progress. */
static enum check_state connect_next(struct check *c)
{
    while (c->addr_next < c->addr_count) {
        size_t i = c->addr_next++;
        int fd = socket(c->addrs[i].ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0) {
            c->last_error = errno;
            continue;
        }
        c->fd = fd;
        c->holds_socket = true;
        c->phase = PHASE_CONNECT;
        if (connect(fd, (const struct sockaddr *)&c->addrs[i], c->addr_lens[i]) == 0)
            return connected(c);
        /* A unix socket whose backlog is full says EAGAIN: wait as for TCP. */
        if (errno == EINPROGRESS || errno == EAGAIN || errno == EINTR)
            return CHECK_PENDING;
        c->last_error = errno;
        let_go(c);
    }
    return unhealthy(c, "connection failed: %s", strerror(c->last_error));
}

static enum check_state connect_finished(struct check *c)
{
    int err = 0;
    socklen_t len = sizeof(err);
    if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0)
        err = errno;
    if (err == 0)
        return connected(c);
    c->last_error = err;
    let_go(c);
    return connect_next(c);
}

static struct addresses room(struct check *c)
{
    return (struct addresses){.addrs = c->addrs, .lens = c->addr_lens, .max = CHECK_MAX_ADDRS};
}

static enum check_state lookup_over(struct check *c)
{
    struct addresses out = room(c);
    struct lookup *l = c->lookup;
    c->lookup = NULL;
    c->fd = -1;
    if (lookup_finish(l, &out, c->why, sizeof(c->why)) != 0)
        return over(c, CHECK_UNHEALTHY);
    c->addr_count = out.count;
    return connect_next(c);
}

static enum check_state unix_target(struct check *c)
{
    struct sockaddr_un *sun = (struct sockaddr_un *)&c->addrs[0];
    memset(sun, 0, sizeof(*sun));
    sun->sun_family = AF_UNIX;
    memcpy(sun->sun_path, c->url.socket_path, strlen(c->url.socket_path) + 1);
    c->addr_lens[0] = (socklen_t)sizeof(*sun);
    c->addr_count = 1;
    return connect_next(c);
}

enum check_state check_start(struct check *c, const struct url *u, uint64_t timeout_ns)
{
    memset(c, 0, sizeof(*c));
    c->url = *u;
    c->fd = -1;
    c->timeout_ns = timeout_ns;
    c->started = clock_now();
    c->deadline = clock_after_ns(timeout_ns);
    c->state = CHECK_PENDING;
    c->last_error = ECONNREFUSED;
    if (u->scheme == URL_UNIX || u->scheme == URL_HTTP_UNIX)
        return unix_target(c);
    struct addresses out = room(c);
    c->phase = PHASE_LOOKUP;
    switch (lookup_start(u->host, u->port, &out, &c->lookup, c->why, sizeof(c->why))) {
    case LOOKUP_DONE:
        c->addr_count = out.count;
        return connect_next(c);
    case LOOKUP_RUNNING:
        c->fd = lookup_fd(c->lookup);
        return CHECK_PENDING;
    default:
        return over(c, CHECK_UNHEALTHY);
    }
}

struct pollfd check_pollfd(const struct check *c)
{
    static const short events[] = {
        [PHASE_LOOKUP] = POLLIN,  [PHASE_CONNECT] = POLLOUT, [PHASE_SEND] = POLLOUT,
        [PHASE_RECEIVE] = POLLIN, [PHASE_OVER] = 0,
    };
    if (c->state != CHECK_PENDING)
        return (struct pollfd){.fd = -1};
    return (struct pollfd){.fd = c->fd, .events = events[c->phase]};
}

const struct timespec *check_deadline(const struct check *c)
{
    return &c->deadline;
}

static enum check_state step(struct check *c)
{
    switch (c->phase) {
    case PHASE_LOOKUP:
        return lookup_over(c);
    case PHASE_CONNECT:
        return connect_finished(c);
    case PHASE_SEND:
        return send_request(c);
    case PHASE_RECEIVE:
        return receive(c);
    default:
        return c->state;
    }
}

enum check_state check_advance(struct check *c, short revents)
{
    if (c->state != CHECK_PENDING)
        return c->state;
    if (revents && step(c) != CHECK_PENDING)
        return c->state;
    if (clock_passed(&c->deadline))
        return timed_out(c);
    return CHECK_PENDING;
}

void check_cancel(struct check *c)
{
    if (c->state == CHECK_PENDING && c->phase != PHASE_OVER && (c->holds_socket || c->lookup)) {
        snprintf(c->why, sizeof(c->why), "cancelled");
        over(c, CHECK_UNHEALTHY);
        return;
    }
    let_go(c);
}
