/* One check of a URL (warden probe, --health, --wait-for) as a non-blocking state machine
 * that an event loop drives: no call blocks; each says what to wait for next. */
#ifndef WARDEN_CHECK_H
#define WARDEN_CHECK_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <time.h>

#include "url.h"

enum check_state { CHECK_PENDING, CHECK_HEALTHY, CHECK_UNHEALTHY };

/* Addresses tried in turn, the next one when a connection fails (a name with an A and an
 * AAAA record whose server listens on one family only). */
#define CHECK_MAX_ADDRS 8

struct lookup;

struct check {
    /* private to check.c: */
    struct url url;
    enum check_state state;
    int phase;         /* check.c's enum phase */
    int fd;            /* the socket, or the name lookup's fd while it runs */
    bool holds_socket; /* fd is a socket of this check's (a zeroed check holds nothing) */
    struct lookup *lookup;
    struct timespec started, deadline;
    uint64_t timeout_ns;
    struct sockaddr_storage addrs[CHECK_MAX_ADDRS];
    socklen_t addr_lens[CHECK_MAX_ADDRS];
    size_t addr_count, addr_next;
    int last_error; /* errno of the last failed connection, for the message */
    char request[3072];
    size_t request_len, sent;
    char response[512];
    size_t got;

    /* The result, once the state is no longer CHECK_PENDING: */
    int http_status;     /* the status code received; 0 for tcp:// and unix:// or none */
    uint64_t elapsed_ns; /* from check_start to the result */
    char why[256];       /* unhealthy: the reason, e.g. "connection failed: Connection refused",
                          * "status 503", "timed out after 2 s while connecting",
                          * "cannot resolve 'db': no such name" */
};

/* Starts checking u, to be over within timeout_ns (name lookup included). May already be
 * final (a refused connection, a missing socket). */
enum check_state check_start(struct check *c, const struct url *u, uint64_t timeout_ns);

/* While PENDING: the one fd to poll and its events, and the time after which
 * check_advance must be called even when the fd is not ready (the check's timeout).
 * Once final, the fd is -1 (poll skips it). */
struct pollfd check_pollfd(const struct check *c);
const struct timespec *check_deadline(const struct check *c);

/* After poll: revents for the check's fd, 0 when only the deadline passed. */
enum check_state check_advance(struct check *c, short revents);

/* Ends a check early (a stop, a restart, a TERM during --wait-for) and frees what it holds;
 * a name lookup still running is abandoned, never waited for. Safe on a finished check,
 * on a zeroed one and twice. */
void check_cancel(struct check *c);

#endif
