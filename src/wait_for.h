/* --wait-for: before the program starts, every dependency must answer. */
#ifndef WARDEN_WAIT_FOR_H
#define WARDEN_WAIT_FOR_H

#include "config.h"
#include "signals.h"

/* Checks every --wait-for URL until it answers, retrying on a short growing interval, all
 * within --wait-timeout. Returns 0 when all answered (or none were given); otherwise the
 * exit code for warden: failure_exit after the timeout, 128+N for a stop signal N. */
int wait_for_dependencies(const struct config *cfg, const struct signal_state *signals);

/* The pause before attempt number attempt (1, 2, ...) after a failed one. */
uint64_t wait_for_retry_ns(unsigned attempt);

#endif
