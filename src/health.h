/* The --health watchdog: when the next check starts, the check itself (check.c, never
 * blocking), and what the results mean (starting, healthy, unhealthy). supervise.c's loop
 * waits for its fd and deadline with everything else and acts on its verdict. */
#ifndef WARDEN_HEALTH_H
#define WARDEN_HEALTH_H

#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "check.h"
#include "config.h"

enum health_state { HEALTH_STARTING, HEALTH_HEALTHY, HEALTH_UNHEALTHY };
enum health_verdict { HEALTH_CARRY_ON, HEALTH_ACT }; /* ACT: unhealthy, stop or restart */

struct health {
    const struct health_config *cfg;
    bool active;   /* checks run: the program runs and nobody is stopping it */
    bool checking; /* a check is under way */
    struct check check;
    struct timespec next;    /* the next check's start, while not checking */
    struct timespec started; /* the program's (re)start: the start period counts from it */
    enum health_state state;
    bool in_start_period;
    unsigned long failures; /* failed checks in a row (outside the start period) */
    unsigned long restarts; /* restarts in a row without a healthy check */
    unsigned long checks;   /* checks started, for the closing debug line */
};

/* The program (pid) has just started: state starting, first check one interval later.
 * Restarts in a row are kept: only a healthy check clears them. */
void health_begin(struct health *h, const struct health_config *cfg, pid_t pid);

/* No more checks (the program is stopping or gone); a check under way is abandoned. Safe
 * when never begun, and twice. */
void health_end(struct health *h);

/* What the loop waits for: the time after which health_advance must run (NULL: none), and
 * the check's fd (returns 0 or 1 entries written to fd). */
const struct timespec *health_deadline(const struct health *h);
size_t health_pollfd(const struct health *h, struct pollfd *fd);

/* After any event: revents for the check's fd (0 when it was not that fd). Starts a check
 * when one is due, advances the one under way, and logs every change of state. HEALTH_ACT
 * once the program has just become unhealthy and --on-unhealthy is stop or restart. */
enum health_verdict health_advance(struct health *h, short revents);

/* --on-unhealthy restart: whether one more restart is allowed (--restart-limit), and then
 * how long to wait before it; health_count_restart when it is decided. */
bool health_restart_allowed(const struct health *h);
uint64_t health_backoff_ns(const struct health *h);
void health_count_restart(struct health *h);

#endif
