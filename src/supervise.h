/* Life with a running program: forward signals, reap zombies, stop everything in order. */
#ifndef WARDEN_SUPERVISE_H
#define WARDEN_SUPERVISE_H

#include <stdbool.h>
#include <sys/types.h>

#include "config.h"
#include "program.h"
#include "signals.h"

/* Makes warden adopt orphans when it is not PID 1, and arms --pdeathsig. Called after
 * the privilege drop, which would clear the parent-death signal. */
int supervise_prepare(const struct config *cfg, pid_t self, pid_t original_parent);

/* catatonit -P: no program; reaps whatever is adopted, and returns 0 on INT or TERM, -1
 * (said) when waiting fails. */
int supervise_pause(const struct signal_state *signals, pid_t self);

/* Runs until the main program and every leftover process are gone; with --health, checks
 * it and, per --on-unhealthy, stops it (program->stopped_unhealthy) or starts it again in
 * place (program then describes the new one). Returns the last program's wait status. */
int supervise(const struct config *cfg, const struct signal_state *signals, struct program *program,
              pid_t self);

#endif
