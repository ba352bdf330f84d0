/* warden takes every signal synchronously: all blocked, then waited for in one loop. */
#ifndef WARDEN_SIGNALS_H
#define WARDEN_SIGNALS_H

#include <signal.h>
#include <stdbool.h>
#include <time.h>

struct signal_state {
    sigset_t original_mask; /* what warden was started with; the child gets it back */
    sigset_t all;           /* what the supervision loop waits for */
};

/* Blocks every signal: blocked, even an inherited SIG_IGN is still queued for warden's
 * wait loop and forwarded. Inherited ignores stay for the program (exec semantics: nohup,
 * a shell's trap '' HUP meant it) unless reset_ignored (dumb-init's rule). */
int signals_take_over(struct signal_state *state, bool reset_ignored);

/* Waits for the next signal, until *deadline (CLOCK_MONOTONIC) when one is given.
 * Returns the signal number, 0 when the deadline passed, -1 on error. */
int signals_wait(const struct signal_state *state, const struct timespec *deadline,
                 siginfo_t *info);

/* Signals that warden passes on to the program. */
bool signal_is_forwarded(int sig);

#endif
