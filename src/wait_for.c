#include "wait_for.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "clock.h"
#include "log.h"
#include "signames.h"

/* One try may take this long at most (a SYN that is dropped, a server that accepts and
 * never answers); then the next one starts. */
#define ATTEMPT_TIMEOUT_NS (2ull * 1000000000ull)
/* The retry pause doubles from 10 ms up to 50 ms: a dependency that starts listening is
 * seen within 50 ms (25 ms on average) plus one try, well inside the 100 ms median the
 * project promises even on a loaded machine; a failed try (a refused connection, a DNS
 * query for a name not there yet) costs so little that twenty a second cost nothing
 * worth saving. */
#define RETRY_FIRST_NS 10000000ull
#define RETRY_MAX_NS   50000000ull

struct dependency {
    const char *text;
    struct url url;
    struct check check;
    bool checking; /* check runs; else waiting for next_try */
    bool answered;
    bool said_waiting;
    bool cut_short; /* this try got less than ATTEMPT_TIMEOUT_NS: the overall deadline */
    unsigned failures;
    struct timespec next_try;
    char last_why[256];
};

struct waiting {
    const struct config *cfg;
    struct dependency *deps;
    size_t count, answered;
    struct timespec started, deadline;
};

uint64_t wait_for_retry_ns(unsigned attempt)
{
    uint64_t ns = RETRY_FIRST_NS;
    for (unsigned i = 1; i < attempt && ns < RETRY_MAX_NS; i++)
        ns *= 2;
    return ns < RETRY_MAX_NS ? ns : RETRY_MAX_NS;
}

static bool earlier(const struct timespec *a, const struct timespec *b)
{
    return a->tv_sec < b->tv_sec || (a->tv_sec == b->tv_sec && a->tv_nsec < b->tv_nsec);
}

static double seconds_since(const struct timespec *t)
{
    return (double)clock_elapsed_ns(t) / 1e9;
}

/* A check is over: an answer, or the next try scheduled (with one line the first time). */
static void settle(struct waiting *w, struct dependency *d, enum check_state state)
{
    d->checking = false;
    if (state == CHECK_HEALTHY) {
        d->answered = true;
        w->answered++;
        log_fields(
            LOG_LEVEL_NOTICE,
            (struct log_field[]){LOG_STR("url", d->text),
                                 LOG_NUM("waited_ms", clock_elapsed_ns(&w->started) / 1000000)},
            2, "--wait-for %s: answered after %.3f s", d->text, seconds_since(&w->started));
        return;
    }
    /* A try that the overall deadline cut short and ended says little ("timed out after
     * 0.01 s"): the reason of the try before it stays, when there was one. */
    if (!(d->cut_short && clock_passed(&w->deadline)) || d->failures == 0)
        snprintf(d->last_why, sizeof(d->last_why), "%s", d->check.why);
    d->failures++;
    d->next_try = clock_after_ns(wait_for_retry_ns(d->failures));
    if (!d->said_waiting) {
        d->said_waiting = true;
        log_fields(LOG_LEVEL_NOTICE,
                   (struct log_field[]){LOG_STR("url", d->text), LOG_STR("reason", d->last_why)}, 2,
                   "--wait-for %s: waiting (up to %.3g s in all): %s", d->text,
                   (double)w->cfg->wait_timeout_ns / 1e9, d->last_why);
    }
}

static void try_now(struct waiting *w, struct dependency *d)
{
    struct timespec until = clock_until(&w->deadline);
    uint64_t left = (uint64_t)until.tv_sec * 1000000000ull + (uint64_t)until.tv_nsec;
    uint64_t timeout = left < ATTEMPT_TIMEOUT_NS ? left : ATTEMPT_TIMEOUT_NS;
    d->checking = true;
    d->cut_short = timeout < ATTEMPT_TIMEOUT_NS;
    enum check_state state = check_start(&d->check, &d->url, timeout ? timeout : 1);
    if (state != CHECK_PENDING)
        settle(w, d, state);
}

/* Starts the tries that are due, and gathers what to poll and until when. */
static size_t prepare(struct waiting *w, struct pollfd *fds, struct dependency **owners,
                      struct timespec *until)
{
    size_t n = 0;
    *until = w->deadline;
    for (size_t i = 0; i < w->count; i++) {
        struct dependency *d = &w->deps[i];
        if (!d->answered && !d->checking && clock_passed(&d->next_try))
            try_now(w, d);
        if (d->answered)
            continue;
        const struct timespec *t = d->checking ? check_deadline(&d->check) : &d->next_try;
        if (earlier(t, until))
            *until = *t;
        if (d->checking) {
            owners[n] = d;
            fds[n++] = check_pollfd(&d->check);
        }
    }
    return n;
}

static void advance(struct waiting *w, struct pollfd *fds, struct dependency **owners, size_t n,
                    bool ready)
{
    for (size_t i = 0; i < n; i++) {
        struct dependency *d = owners[i];
        enum check_state state = check_advance(&d->check, ready ? fds[i].revents : 0);
        if (state != CHECK_PENDING)
            settle(w, d, state);
    }
}

/* One line naming every URL that did not answer, with its last reason. */
static int give_up(struct waiting *w)
{
    char names[1024] = "";
    size_t used = 0;
    for (size_t i = 0; i < w->count; i++) {
        struct dependency *d = &w->deps[i];
        if (d->answered)
            continue;
        if (d->checking) {
            check_cancel(&d->check);
            if (!d->failures)
                snprintf(d->last_why, sizeof(d->last_why), "no answer yet");
        }
        int n = snprintf(names + used, sizeof(names) - used, "%s%s (%s)", used ? ", " : "", d->text,
                         d->last_why);
        if (n > 0)
            used = used + (size_t)n < sizeof(names) ? used + (size_t)n : sizeof(names) - 1;
    }
    log_error("--wait-for: no answer within %.3g s from %s; --wait-timeout or "
              "WARDEN_WAIT_TIMEOUT sets how long to wait",
              (double)w->cfg->wait_timeout_ns / 1e9, names);
    return w->cfg->rules.failure_exit;
}

static bool ends_the_wait(const struct config *cfg, int sig)
{
    return sig == SIGTERM || sig == SIGINT || sig == cfg->stop_signal ||
           (cfg->pdeathsig && sig == cfg->pdeathsig);
}

/* A stop request while waiting: nothing was started, so warden goes, as the program
 * would have. */
static int stopped(struct waiting *w, int sig)
{
    char name[16];
    signal_to_name(sig, name, sizeof(name));
    for (size_t i = 0; i < w->count; i++)
        check_cancel(&w->deps[i].check);
    log_info("received SIG%s while waiting for --wait-for: exiting, nothing started", name);
    return 128 + sig;
}

static int wait_loop(struct waiting *w, const struct signal_state *signals)
{
    struct pollfd fds[CONFIG_LIST_MAX];
    struct dependency *owners[CONFIG_LIST_MAX];
    for (;;) {
        if (w->answered == w->count)
            return 0;
        if (clock_passed(&w->deadline))
            return give_up(w);
        struct timespec until;
        size_t n = prepare(w, fds, owners, &until);
        if (w->answered == w->count)
            return 0; /* the last one answered at once (a unix socket) */
        siginfo_t info;
        int event = signals_wait_fds(signals, &until, fds, n, &info);
        if (event > 0 && ends_the_wait(w->cfg, event))
            return stopped(w, event);
        if (event > 0) {
            char name[16];
            signal_to_name(event, name, sizeof(name));
            log_debug("received SIG%s while waiting for --wait-for: no program to forward to",
                      name);
        }
        if (event == -1) {
            for (size_t i = 0; i < w->count; i++)
                check_cancel(&w->deps[i].check);
            return w->cfg->rules.failure_exit;
        }
        advance(w, fds, owners, n, event == SIGNALS_FD_READY);
    }
}

int wait_for_dependencies(const struct config *cfg, const struct signal_state *signals)
{
    if (cfg->wait_for_count == 0)
        return 0;
    struct waiting w = {.cfg = cfg, .count = cfg->wait_for_count};
    w.deps = calloc(w.count, sizeof(*w.deps));
    if (!w.deps) {
        log_error("--wait-for: out of memory");
        return cfg->rules.failure_exit;
    }
    w.started = clock_now();
    w.deadline = clock_after_ns(cfg->wait_timeout_ns);
    for (size_t i = 0; i < w.count; i++) {
        char why[256];
        w.deps[i].text = cfg->wait_for[i];
        w.deps[i].next_try = w.started;
        /* Checked while parsing already: this cannot fail. */
        url_parse(cfg->wait_for[i], &w.deps[i].url, why, sizeof(why));
    }
    int rc = wait_loop(&w, signals);
    free(w.deps);
    return rc;
}
