#include "health.h"

#include <string.h>

#include "clock.h"
#include "log.h"

/* The longest wait between two restarts in a row. */
#define BACKOFF_MAX_NS (300ull * 1000000000ull)

static uint64_t timeout_ns(const struct health_config *cfg)
{
    if (cfg->timeout_given)
        return cfg->timeout_ns;
    return cfg->interval_ns < HEALTH_TIMEOUT_NS ? cfg->interval_ns : HEALTH_TIMEOUT_NS;
}

/* One line per change of state: text for people, fields for JSON. */
static void say(enum log_level level, const struct health *h, const char *state, const char *reason,
                const char *fmt_tail)
{
    log_fields(level,
               (struct log_field[]){LOG_STR("health", state), LOG_STR("url", h->cfg->text),
                                    LOG_STR("reason", reason),
                                    LOG_NUM("http_status", h->check.http_status),
                                    LOG_NUM("failures", h->failures)},
               5, "health: %s: %s%s", state, reason, fmt_tail);
}

void health_begin(struct health *h, const struct health_config *cfg, pid_t pid)
{
    unsigned long restarts = h->cfg ? h->restarts : 0, checks = h->cfg ? h->checks : 0;
    memset(h, 0, sizeof(*h));
    h->cfg = cfg;
    h->restarts = restarts;
    h->checks = checks;
    h->active = true;
    h->started = clock_now();
    h->next = clock_add_ns(h->started, cfg->interval_ns);
    h->in_start_period = cfg->start_period_ns > 0;
    log_fields(LOG_LEVEL_INFO,
               (struct log_field[]){LOG_STR("health", "starting"), LOG_STR("url", cfg->text),
                                    LOG_NUM("pid", pid)},
               3, "health: starting: checking %s every %g s for pid %ld (start period %g s)",
               cfg->text, (double)cfg->interval_ns / 1e9, (long)pid,
               (double)cfg->start_period_ns / 1e9);
}

void health_end(struct health *h)
{
    if (h->checking)
        check_cancel(&h->check);
    h->checking = false;
    h->active = false;
}

const struct timespec *health_deadline(const struct health *h)
{
    if (!h->active)
        return NULL;
    return h->checking ? check_deadline(&h->check) : &h->next;
}

size_t health_pollfd(const struct health *h, struct pollfd *fd)
{
    if (!h->active || !h->checking)
        return 0;
    *fd = check_pollfd(&h->check);
    return fd->fd >= 0 ? 1 : 0;
}

static enum health_verdict succeeded(struct health *h)
{
    char reason[64];
    if (h->check.http_status)
        snprintf(reason, sizeof(reason), "status %d in %.1f ms", h->check.http_status,
                 (double)h->check.elapsed_ns / 1e6);
    else
        snprintf(reason, sizeof(reason), "connected in %.1f ms", (double)h->check.elapsed_ns / 1e6);
    enum health_state was = h->state;
    h->state = HEALTH_HEALTHY;
    h->failures = 0;
    h->restarts = 0;
    h->in_start_period = false;
    if (was == HEALTH_STARTING)
        say(LOG_LEVEL_INFO, h, "healthy", reason, "");
    else if (was == HEALTH_UNHEALTHY)
        say(LOG_LEVEL_WARN, h, "healthy", reason, " (again)");
    else
        log_debug("health: check passed: %s", reason);
    return HEALTH_CARRY_ON;
}

static enum health_verdict failed(struct health *h)
{
    const char *why = h->check.why;
    if (h->in_start_period && clock_elapsed_ns(&h->started) < h->cfg->start_period_ns) {
        log_info("health: check failed in the start period (not counted): %s", why);
        return HEALTH_CARRY_ON;
    }
    h->in_start_period = false;
    h->failures++;
    if (h->state == HEALTH_UNHEALTHY) {
        log_info("health: still unhealthy: %s", why);
        return HEALTH_CARRY_ON;
    }
    if (h->failures < h->cfg->retries) {
        log_info("health: check failed (%lu of %lu): %s", h->failures, h->cfg->retries, why);
        return HEALTH_CARRY_ON;
    }
    h->state = HEALTH_UNHEALTHY;
    char tail[64];
    snprintf(tail, sizeof(tail), " (%lu failed check%s in a row)", h->failures,
             h->failures == 1 ? "" : "s");
    say(LOG_LEVEL_WARN, h, "unhealthy", why, tail);
    return h->cfg->action == UNHEALTHY_LOG ? HEALTH_CARRY_ON : HEALTH_ACT;
}

static enum health_verdict judge(struct health *h, enum check_state result)
{
    h->checking = false;
    enum health_verdict verdict = result == CHECK_HEALTHY ? succeeded(h) : failed(h);
    check_cancel(&h->check); /* frees what a finished check may still hold */
    return verdict;
}

enum health_verdict health_advance(struct health *h, short revents)
{
    if (!h->active)
        return HEALTH_CARRY_ON;
    if (h->checking) {
        const struct timespec *deadline = check_deadline(&h->check);
        if (!revents && deadline && !clock_passed(deadline))
            return HEALTH_CARRY_ON;
        enum check_state state = check_advance(&h->check, revents);
        return state == CHECK_PENDING ? HEALTH_CARRY_ON : judge(h, state);
    }
    if (!clock_passed(&h->next))
        return HEALTH_CARRY_ON;
    /* Start to start: a check that outlasts the interval delays the next, no more. */
    struct timespec now = clock_now();
    h->next = clock_add_ns(h->next, h->cfg->interval_ns);
    if (clock_passed(&h->next))
        h->next = clock_add_ns(now, h->cfg->interval_ns);
    h->checks++;
    enum check_state state = check_start(&h->check, &h->cfg->url, timeout_ns(h->cfg));
    if (state == CHECK_PENDING) {
        h->checking = true;
        return HEALTH_CARRY_ON;
    }
    return judge(h, state);
}

bool health_restart_allowed(const struct health *h)
{
    return h->cfg->restart_limit == 0 || h->restarts < h->cfg->restart_limit;
}

/* The first restart at once; each further one in a row waits twice as long as the one
 * before, from one interval up to BACKOFF_MAX_NS. */
uint64_t health_backoff_ns(const struct health *h)
{
    if (h->restarts == 0)
        return 0;
    uint64_t ns = h->cfg->interval_ns;
    for (unsigned long i = 1; i < h->restarts && ns < BACKOFF_MAX_NS; i++)
        ns *= 2;
    return ns < BACKOFF_MAX_NS ? ns : BACKOFF_MAX_NS;
}

void health_count_restart(struct health *h)
{
    h->restarts++;
}
