/* Names to addresses for checks: literals, localhost and /etc/hosts at once; any other name
 * through the C library's resolver (musl: the image's /etc/resolv.conf and DNS, no NSS) in
 * a short-lived thread, since getaddrinfo blocks and the check must not. */
#ifndef WARDEN_LOOKUP_H
#define WARDEN_LOOKUP_H

#include <stddef.h>
#include <sys/socket.h>

struct lookup;

struct addresses {
    struct sockaddr_storage *addrs; /* room for max */
    socklen_t *lens;
    size_t max, count;
};

enum lookup_result { LOOKUP_DONE, LOOKUP_RUNNING, LOOKUP_FAILED };

/* Addresses of host with port set. LOOKUP_DONE: out is filled. LOOKUP_RUNNING: *running is
 * a lookup whose lookup_fd becomes readable when it is over (then lookup_finish).
 * LOOKUP_FAILED: why says why. */
enum lookup_result lookup_start(const char *host, unsigned port, struct addresses *out,
                                struct lookup **running, char *why, size_t why_size);

int lookup_fd(const struct lookup *l);

/* Once lookup_fd is readable: fills out (0) or says why (-1); frees l either way. */
int lookup_finish(struct lookup *l, struct addresses *out, char *why, size_t why_size);

/* Lets go of a lookup still running: the thread frees it when it ends, never waited for. */
void lookup_abandon(struct lookup *l);

#endif
