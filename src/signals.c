#include "signals.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

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
        log_unexpected(strerror(errno), "block signals");
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
            log_unexpected(strerror(errno), "reset the disposition of signal %d", sig);
            return -1;
        }
    }
    return 0;
}

/* A signalfd lets one poll wait for signals and sockets (--wait-for, --health) alike. Made
 * on first use: a warden that checks no URL holds no descriptor for it (a tight
 * RLIMIT_NOFILE stays for the volume walk). Only the wait loop's thread touches it. */
static int signal_fd = -1;

static int watch_signals(const struct signal_state *state)
{
    if (signal_fd >= 0)
        return 0;
    /* The kernel leaves SIGKILL and SIGSTOP out of the set. */
    signal_fd = signalfd(-1, &state->all, SFD_CLOEXEC | SFD_NONBLOCK);
    if (signal_fd < 0 && (errno == EMFILE || errno == ENFILE)) {
        log_error("unable to create a signalfd: %s: warden's open-file limit is used up: raise "
                  "it (docker run --ulimit nofile=1024:1024; ulimit -n 1024 before warden)",
                  strerror(errno));
        return -1;
    }
    if (signal_fd < 0 && errno == ENOMEM) {
        log_error("unable to create a signalfd: %s: " LOG_NO_MEMORY, strerror(errno));
        return -1;
    }
    if (signal_fd < 0) {
        log_unexpected(strerror(errno), "create a signalfd");
        return -1;
    }
    return 0;
}

/* The next pending signal, if any: its number, 0 when none, -1 on error. */
static int take_signal(siginfo_t *info)
{
    struct signalfd_siginfo si;
    ssize_t n;
    do
        n = read(signal_fd, &si, sizeof(si));
    while (n < 0 && errno == EINTR);
    if (n < 0 && errno == EAGAIN)
        return 0;
    if (n != (ssize_t)sizeof(si)) {
        log_unexpected(n < 0 ? strerror(errno) : "short read", "read a signal");
        return -1;
    }
    /* What the supervisor reads: who sent it, and how (SI_USER from kill, CLD_* ...). */
    memset(info, 0, sizeof(*info));
    info->si_signo = (int)si.ssi_signo;
    info->si_errno = si.ssi_errno;
    info->si_code = si.ssi_code;
    info->si_pid = (pid_t)si.ssi_pid;
    info->si_uid = (uid_t)si.ssi_uid;
    if (si.ssi_signo == SIGCHLD)
        info->si_status = si.ssi_status;
    return (int)si.ssi_signo;
}

/* Signals alone: one sigtimedwait, no poll (the supervision loop's wait, whose deadline
 * tests read from its arguments in /proc/PID/syscall). */
static int wait_signal_only(const struct signal_state *state, const struct timespec *deadline,
                            siginfo_t *info)
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
        log_unexpected(strerror(errno), "wait for signals");
        return -1;
    }
}

int signals_wait_fds(const struct signal_state *state, const struct timespec *deadline,
                     struct pollfd *fds, size_t nfds, siginfo_t *info)
{
    struct pollfd all[SIGNALS_MAX_FDS + 1];
    if (nfds == 0)
        return wait_signal_only(state, deadline, info);
    if (nfds > SIGNALS_MAX_FDS) {
        /* No caller asks for more: only a bug in warden itself gets here. */
        log_unexpected("at most " SIGNALS_MAX_FDS_TEXT " at once", "wait for %zu fds", nfds);
        return -1;
    }
    if (watch_signals(state) != 0)
        return -1;
    for (;;) {
        int sig = take_signal(info);
        if (sig != 0)
            return sig;
        struct timespec left;
        if (deadline) {
            left = clock_until(deadline);
            if (left.tv_sec == 0 && left.tv_nsec == 0)
                return 0;
        }
        all[0] = (struct pollfd){.fd = signal_fd, .events = POLLIN};
        for (size_t i = 0; i < nfds; i++) {
            all[i + 1] = fds[i];
            all[i + 1].revents = 0;
        }
        int n = ppoll(all, nfds + 1, deadline ? &left : NULL, NULL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            log_unexpected(strerror(errno), "wait for signals");
            return -1;
        }
        if (n == 0 || all[0].revents)
            continue; /* the deadline or a signal: both checked at the top */
        for (size_t i = 0; i < nfds; i++)
            fds[i].revents = all[i + 1].revents;
        return SIGNALS_FD_READY;
    }
}

int signals_wait(const struct signal_state *state, const struct timespec *deadline, siginfo_t *info)
{
    return signals_wait_fds(state, deadline, NULL, 0, info);
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
