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
#include "procfile.h"

/* The ignored signals, as the kernel lists them in /proc/self/status: one read instead of
 * a query per signal. Without /proc, every signal is checked. */
static uint64_t ignored_signals(void)
{
    char buf[4096];
    ssize_t len = procfile_read(AT_FDCWD, "/proc/self/status", buf, sizeof(buf));
    if (len < 0)
        return ~0ull;
    /* From line start to line start with memchr: a strstr over the whole file costs
     * thousands of instructions at every start. */
    const char *line = buf, *end = buf + len;
    while (end - line < 8 || memcmp(line, "SigIgn:\t", 8) != 0) {
        line = memchr(line, '\n', (size_t)(end - line));
        if (!line)
            return ~0ull;
        line++;
    }
    char *digits_end;
    uint64_t mask = strtoull(line + 8, &digits_end, 16);
    return digits_end == line + 8 ? ~0ull : mask;
}

int signals_take_over(struct signal_state *state)
{
    sigfillset(&state->all);
    if (sigprocmask(SIG_SETMASK, &state->all, &state->original_mask) != 0) {
        log_error("unable to block signals: %s", strerror(errno));
        return -1;
    }
    /* A signal whose disposition is SIG_IGN is discarded even while blocked, so an inherited
     * ignore (nohup, a shell's trap '' TERM) would silently eat it before the wait loop. */
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

bool signal_starts_shutdown(int sig)
{
    /* HUP is left out on purpose: nginx, Apache and most daemons reload on it. */
    return sig == SIGTERM || sig == SIGINT || sig == SIGQUIT;
}
