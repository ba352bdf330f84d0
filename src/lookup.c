#include "lookup.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "hosts.h"

/* Shared by the check and the lookup thread; whichever lets go last frees it, so that a
 * check may give up on a slow DNS server without waiting for the thread. */
struct lookup {
    atomic_int refs;
    pthread_t thread; /* joined once done (it has only to return), detached if abandoned */
    atomic_bool done; /* status, error and result are written before it is set */
    int fd;           /* eventfd: readable once the thread is done */
    char host[256];
    char port[8];
    int status; /* getaddrinfo's */
    int error;  /* errno, for EAI_SYSTEM */
    struct addrinfo *result;
};

static void release(struct lookup *l)
{
    if (atomic_fetch_sub(&l->refs, 1) != 1)
        return;
    if (l->result)
        freeaddrinfo(l->result);
    close(l->fd);
    free(l);
}

static void *resolve(void *arg)
{
    struct lookup *l = arg;
    struct addrinfo hints = {
        .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICSERV};
    l->status = getaddrinfo(l->host, l->port, &hints, &l->result);
    l->error = errno;
    atomic_store(&l->done, true);
    uint64_t one = 1;
    /* An eventfd write of 1 cannot block or fail with a counter this far from its limit. */
    while (write(l->fd, &one, sizeof(one)) < 0 && errno == EINTR)
        ;
    release(l);
    return NULL;
}

static void set_port(struct sockaddr_storage *addr, unsigned port)
{
    if (addr->ss_family == AF_INET)
        ((struct sockaddr_in *)addr)->sin_port = htons((uint16_t)port);
    else if (addr->ss_family == AF_INET6)
        ((struct sockaddr_in6 *)addr)->sin6_port = htons((uint16_t)port);
}

/* Literals, /etc/hosts and localhost: read at once, no thread. */
static int local_answer(const char *host, unsigned port, struct addresses *out)
{
    if (address_literal(host, &out->addrs[0], &out->lens[0]) != 0 &&
        hosts_lookup("/etc/hosts", host, &out->addrs[0], &out->lens[0]) != 0) {
        /* Like curl, localhost needs no entry. */
        if (strcasecmp(host, "localhost") != 0 ||
            address_literal("127.0.0.1", &out->addrs[0], &out->lens[0]) != 0)
            return -1;
    }
    set_port(&out->addrs[0], port);
    out->count = 1;
    return 0;
}

static int start_thread(struct lookup *l, char *why, size_t why_size)
{
    sigset_t all, old;
    /* The thread takes no signals: they stay with warden's wait loop. */
    sigfillset(&all);
    int err = pthread_sigmask(SIG_SETMASK, &all, &old);
    if (err == 0) {
        err = pthread_create(&l->thread, NULL, resolve, l);
        pthread_sigmask(SIG_SETMASK, &old, NULL);
    }
    if (err != 0)
        snprintf(why, why_size, "unable to start the lookup of '%s': %s", l->host, strerror(err));
    return err == 0 ? 0 : -1;
}

enum lookup_result lookup_start(const char *host, unsigned port, struct addresses *out,
                                struct lookup **running, char *why, size_t why_size)
{
    *running = NULL;
    out->count = 0;
    if (local_answer(host, port, out) == 0)
        return LOOKUP_DONE;
    struct lookup *l = calloc(1, sizeof(*l));
    if (!l) {
        snprintf(why, why_size, "unable to look up '%s': out of memory", host);
        return LOOKUP_FAILED;
    }
    l->fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (l->fd < 0) {
        snprintf(why, why_size, "unable to look up '%s': unable to create an eventfd: %s", host,
                 strerror(errno));
        free(l);
        return LOOKUP_FAILED;
    }
    snprintf(l->host, sizeof(l->host), "%s", host);
    snprintf(l->port, sizeof(l->port), "%u", port);
    atomic_init(&l->refs, 2);
    atomic_init(&l->done, false);
    if (start_thread(l, why, why_size) != 0) {
        close(l->fd);
        free(l);
        return LOOKUP_FAILED;
    }
    *running = l;
    return LOOKUP_RUNNING;
}

int lookup_fd(const struct lookup *l)
{
    return l->fd;
}

static void failure(const struct lookup *l, char *why, size_t why_size)
{
    if (l->status == EAI_NONAME || l->status == EAI_NODATA)
        snprintf(why, why_size,
                 "cannot resolve '%s': no such name (not in /etc/hosts; DNS has "
                 "no address for it): check the name, or give an address",
                 l->host);
    else if (l->status == EAI_AGAIN)
        snprintf(why, why_size,
                 "cannot resolve '%s': no DNS server answered: check the nameserver lines "
                 "of /etc/resolv.conf, or give an address",
                 l->host);
    else if (l->status == EAI_SYSTEM)
        snprintf(why, why_size, "cannot resolve '%s': %s", l->host, strerror(l->error));
    else
        snprintf(why, why_size, "cannot resolve '%s': %s", l->host, gai_strerror(l->status));
}

int lookup_finish(struct lookup *l, struct addresses *out, char *why, size_t why_size)
{
    int rc = -1;
    out->count = 0;
    if (!atomic_load(&l->done)) {
        snprintf(why, why_size, "cannot resolve '%s': the lookup ended without an answer", l->host);
    } else if (l->status != 0) {
        failure(l, why, why_size);
    } else {
        for (struct addrinfo *a = l->result; a && out->count < out->max; a = a->ai_next) {
            if ((a->ai_family != AF_INET && a->ai_family != AF_INET6) ||
                a->ai_addrlen > sizeof(out->addrs[0]))
                continue;
            memcpy(&out->addrs[out->count], a->ai_addr, a->ai_addrlen);
            out->lens[out->count++] = a->ai_addrlen;
        }
        rc = out->count ? 0 : -1;
        if (rc != 0)
            snprintf(why, why_size, "cannot resolve '%s': no IPv4 or IPv6 address", l->host);
    }
    /* With its answer in, the thread has only to return, so this join does not wait for
     * DNS; it lets the thread's own resources go before warden goes on (or exits). */
    if (atomic_load(&l->done))
        pthread_join(l->thread, NULL);
    else
        pthread_detach(l->thread);
    release(l);
    return rc;
}

void lookup_abandon(struct lookup *l)
{
    if (l) {
        pthread_detach(l->thread);
        release(l);
    }
}
