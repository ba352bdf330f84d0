#include "signals.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>
#include <string.h>

#include "clock.h"
#include "config.h"
#include "log.h"
#include "parse.h"
#include "procfile.h"

/* The ignored signals, as the kernel lists them in /proc/self/status: one read instead of
 * a query per signal. Without /proc, every signal is checked. */
static uint64_t ignored_signals(void)
{
    char buf[4096];
    static const char key[] = "\nSigIgn:\t";
    if (procfile_read(AT_FDCWD, "/proc/self/status", buf, sizeof(buf)) < 0)
        return ~0ull;
    const char *line = strstr(buf, key);
    uint64_t mask;
    const char *digits_end;
    if (!line || parse_hex_mask(line + strlen(key), &mask, &digits_end) != 0)
        return ~0ull;
    return mask;
}

int signals_take_over(struct signal_state *state, bool reset_ignored)
{
    sigfillset(&state->all);
    if (sigprocmask(SIG_SETMASK, &state->all, &state->original_mask) != 0) {
        log_error("unable to block signals: %s", strerror(errno));
        return -1;
    }
    /* The kernel queues a blocked signal even when it is ignored, so warden's wait loop
     * sees it either way; what changes is only what the program starts with. */
    if (!reset_ignored)
        return 0;
    uint64_t ignored = ignored_signals();
    struct sigaction dfl = {.sa_handler = SIG_DFL};
    sigemptyset(&dfl.sa_mask);
    for (int sig = 1; sig < WARDEN_NSIG; sig++) {
        struct sigaction old;
        if (sig == SIGKILL || sig == SIGSTOP || !(ignored & (1ull << (sig - 1))))
            continue;
        /* The C library reserves a few real-time signals: EINVAL there is expected. */
        if (sigaction(sig, NULL, &old) != 0)
            continue;
        if (old.sa_handler == SIG_IGN && sigaction(sig, &dfl, NULL) != 0) {
            log_error("unable to reset the disposition of signal %d: %s", sig, strerror(errno));
            return -1;
        }
    }
    return 0;
}

int signals_wait(const struct signal_state *state, const struct timespec *deadline, siginfo_t *info)
{
    for (;;) {
        int sig;
        if (deadline) {
            struct timespec left = clock_until(deadline);
            if (left.tv_sec == 0 && left.tv_nsec == 0)
                return 0;
            sig = sigtimedwait(&state->all, info, &left);
        } else {
            sig = sigwaitinfo(&state->all, info);
        }
        if (sig > 0)
            return sig;
        if (errno == EINTR)
            continue;
        if (errno == EAGAIN)
            return 0;
        log_error("unable to wait for signals: %s", strerror(errno));
        return -1;
    }
}

bool signal_is_forwarded(int sig)
{
    switch (sig) {
    case SIGCHLD:
    /* Faults are about warden itself; sent by kill() they mean nothing to the program. */
    case SIGSEGV:
    case SIGBUS:
    case SIGILL:
    case SIGFPE:
    case SIGABRT:
    case SIGTRAP:
    case SIGSYS:
    /* Terminal job control aimed at warden's own group, which never reads the terminal:
     * forwarding them would stop the program for no reason. */
    case SIGTTIN:
    case SIGTTOU:
        return false;
    default:
        return sig > 0 && sig < WARDEN_NSIG;
    }
}
