/* warden takes every signal synchronously: all blocked, then waited for in one loop. */
#ifndef WARDEN_SIGNALS_H
#define WARDEN_SIGNALS_H

#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <time.h>

struct signal_state {
    sigset_t original_mask; /* what warden was started with; the child gets it back */
    sigset_t all;           /* what the supervision loop waits for */
};

/* Blocks every signal: blocked, even an inherited SIG_IGN is still queued for warden's
 * wait loop and forwarded. Inherited ignores stay for the program (exec semantics: nohup,
 * a shell's trap '' HUP meant it) unless reset_ignored (dumb-init's rule). */
int signals_take_over(struct signal_state *state, bool reset_ignored);

#define SIGNALS_FD_READY (-2)
/* The most fds signals_wait_fds takes besides its own. */
#define SIGNALS_MAX_FDS      64
#define SIGNALS_MAX_FDS_TEXT "64" /* the same, for messages */

/* Waits for the next signal, for one of fds to be ready, or until *deadline
 * (CLOCK_MONOTONIC) when one is given. Returns the signal number (a pending signal wins
 * over ready fds), SIGNALS_FD_READY with revents set in fds, 0 when the deadline passed,
 * -1 on error. info gets si_signo, si_code, si_pid, si_uid and si_status. */
int signals_wait_fds(const struct signal_state *state, const struct timespec *deadline,
                     struct pollfd *fds, size_t nfds, siginfo_t *info);

/* signals_wait_fds without fds. */
int signals_wait(const struct signal_state *state, const struct timespec *deadline,
                 siginfo_t *info);

/* Signals that warden passes on to the program. */
bool signal_is_forwarded(int sig);

#endif
