/* The handlers of --health and its rules, for the option table in options.c. */
#ifndef WARDEN_HEALTH_OPTIONS_H
#define WARDEN_HEALTH_OPTIONS_H

#include "options.h"

option_handler on_health, on_health_interval, on_health_timeout, on_health_retries,
    on_health_start_period, on_on_unhealthy, on_restart_limit;

/* After parsing: the health options that need --health, and values that only make sense
 * together. 0, or -1 with one line said. */
int health_options_check(const struct config *cfg);

#endif
