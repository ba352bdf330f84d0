/* --health and its rules into the config; nothing acts while parsing. */
#include "health_options.h"

#include <string.h>

#include "log.h"
#include "parse.h"

/* Up to a day: a longer interval is a typo, not a health check. */
#define HEALTH_MAX_SECONDS 86400ul

enum option_result on_health(struct config *cfg, const char *value, char *why, size_t why_size)
{
    if (url_parse_explained(value, &cfg->health.url, why, why_size) != 0)
        return OPTION_FAILED;
    cfg->health.text = value;
    return OPTION_SET;
}

static enum option_result duration(const char *value, bool zero_ok, uint64_t *out, char *why,
                                   size_t why_size)
{
    if (parse_seconds(value, HEALTH_MAX_SECONDS, !zero_ok, out, why, why_size) != 0)
        return OPTION_FAILED;
    return OPTION_SET;
}

enum option_result on_health_interval(struct config *cfg, const char *value, char *why,
                                      size_t why_size)
{
    return duration(value, false, &cfg->health.interval_ns, why, why_size);
}

enum option_result on_health_timeout(struct config *cfg, const char *value, char *why,
                                     size_t why_size)
{
    cfg->health.timeout_given = true;
    return duration(value, false, &cfg->health.timeout_ns, why, why_size);
}

enum option_result on_health_start_period(struct config *cfg, const char *value, char *why,
                                          size_t why_size)
{
    return duration(value, true, &cfg->health.start_period_ns, why, why_size);
}

enum option_result on_health_retries(struct config *cfg, const char *value, char *why,
                                     size_t why_size)
{
    if (parse_unsigned(value, 1000, &cfg->health.retries) != 0 || cfg->health.retries == 0)
        return say_why(why, why_size, "'%s' is not a number of checks from 1 to 1000", value);
    return OPTION_SET;
}

enum option_result on_on_unhealthy(struct config *cfg, const char *value, char *why,
                                   size_t why_size)
{
    static const struct {
        const char *name;
        enum unhealthy_action action;
    } actions[] = {
        {"log", UNHEALTHY_LOG},
        {"stop", UNHEALTHY_STOP},
        {"restart", UNHEALTHY_RESTART},
    };
    for (size_t i = 0; i < sizeof(actions) / sizeof(actions[0]); i++) {
        if (strcmp(value, actions[i].name) == 0) {
            cfg->health.action = actions[i].action;
            return OPTION_SET;
        }
    }
    return say_why(why, why_size, "'%s' is not stop, restart or log", value);
}

enum option_result on_restart_limit(struct config *cfg, const char *value, char *why,
                                    size_t why_size)
{
    if (parse_unsigned(value, 1000000, &cfg->health.restart_limit) != 0)
        return say_why(why, why_size,
                       "'%s' is not a number of restarts: give 0 (no limit) to 1000000", value);
    return OPTION_SET;
}

int health_options_check(const struct config *cfg)
{
    const struct health_config *h = &cfg->health;
    if (h->restart_limit && h->action != UNHEALTHY_RESTART) {
        log_error("--restart-limit needs --on-unhealthy restart (it counts restarts): add it, "
                  "or leave --restart-limit out");
        return -1;
    }
    if (h->text)
        return 0;
    /* The rules alone would silently do nothing: say which option is missing. */
    const char *orphan = h->interval_ns != HEALTH_INTERVAL_NS ? "--health-interval"
                         : h->timeout_given                   ? "--health-timeout"
                         : h->retries != HEALTH_RETRIES       ? "--health-retries"
                         : h->start_period_ns                 ? "--health-start-period"
                         : h->action != UNHEALTHY_LOG         ? "--on-unhealthy"
                         : h->restart_limit                   ? "--restart-limit"
                                                              : NULL;
    if (!orphan)
        return 0;
    log_error("%s needs --health URL (the endpoint to check): add it, or leave %s out", orphan,
              orphan);
    return -1;
}
