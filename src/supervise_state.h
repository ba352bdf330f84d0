/* The supervision loop's state, shared by supervise.c (the loop, signals, the ordered
 * stop) and supervise_health.c (what --on-unhealthy does in it). Private to the two. */
#ifndef WARDEN_SUPERVISE_STATE_H
#define WARDEN_SUPERVISE_STATE_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "config.h"
#include "health.h"
#include "program.h"
#include "signals.h"

/* Why warden itself is stopping the program (--on-unhealthy). */
enum unhealthy_end { END_NONE, END_STOP, END_RESTART };

struct supervision {
    const struct config *cfg;
    pid_t self;
    const struct signal_state *signals;
    bool is_pid1;
    struct program *program;
    pid_t main_pid;
    bool main_running;
    int main_status;
    bool deadline_armed;
    struct timespec deadline;
    uint64_t deadline_ns; /* how long the armed deadline was, for the kill message */
    bool group_got_stop;  /* the program's group already got the leftovers' signal */
    bool leftovers_asked_to_stop;
    bool killing;
    unsigned long reaped;
    unsigned long wakeups; /* returns from the wait: the debug line at the end counts them */
    struct health health;
    short check_revents; /* the health check's fd, when it is what woke the loop */
    enum unhealthy_end unhealthy_end;
    bool restart_armed;
    struct timespec restart_at; /* after the back-off */
    bool failed;                /* a wait failed (said): kill, reap what can be, exit failing */
};

/* Starts the grace period (once): SIGKILL to everything left when it is over. */
void supervise_arm_deadline(struct supervision *s, const char *why, uint64_t ns);

/* kill(2) of the program failed with err: one line on why and what to do. verb: "forward",
 * "send". */
void supervise_signal_failed(const struct supervision *s, const char *verb, const char *sig_name,
                             int err);

/* The engine asked to stop: no more checks, and no restart. */
void supervise_cancel_health(struct supervision *s);
/* After every event: the check's fd or deadline, a check that is due, and the stop or
 * restart it may call for. */
void supervise_watch_health(struct supervision *s);
/* Once the program stopped for a restart and everything of it is gone: the program again
 * after the back-off. Returns true when it could not be started (warden ends as for stop). */
bool supervise_restart_when_due(struct supervision *s);

#endif
