#include "supervise.h"

#include <errno.h>
#include <stdint.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "clock.h"
#include "exit_status.h"
#include "health.h"
#include "leftovers.h"
#include "log.h"
#include "signames.h"
#include "supervise_state.h"

/* Outside PID 1 an orphan can be re-parented to warden without any SIGCHLD telling so;
 * once everything is being killed, look again at this pace until all are gone. */
#define KILL_RECHECK_NS (50ull * 1000000ull)

int supervise_prepare(const struct config *cfg, pid_t self, pid_t original_parent)
{
    if (self != 1 && cfg->rules.no_subreaper) {
        log_warn("not PID 1 and not a child subreaper: orphans go to the init above and are "
                 "not reaped here (-s or TINI_SUBREAPER adopts them)");
    } else if (self != 1) {
        if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0) {
            log_error("unable to become a child subreaper: %s: make warden the container's PID 1 "
                      "(its ENTRYPOINT), where it needs none",
                      strerror(errno));
            return -1;
        }
        log_info("not PID 1 (pid %ld): registered as child subreaper", (long)self);
    }
    if (cfg->pdeathsig) {
        if (prctl(PR_SET_PDEATHSIG, cfg->pdeathsig, 0, 0, 0) != 0) {
            log_unexpected(strerror(errno), "set the parent-death signal (--pdeathsig)");
            return -1;
        }
        /* The parent may have died before the signal was armed: then nobody will send it.
         * sigqueue, not kill: a SI_USER signal from warden itself is taken as self-inflicted
         * and not forwarded. */
        if (getppid() != original_parent)
            sigqueue(self, cfg->pdeathsig, (union sigval){.sival_int = 0});
    }
    return 0;
}

/* Drains every zombie: SIGCHLDs coalesce, so one wake-up may stand for many exits, and
 * the main program's may be among them. Returns true when warden has no children left. */
static bool reap_all(struct supervision *s)
{
    for (;;) {
        int status;
        pid_t pid = waitpid(-1, &status, WNOHANG);
        if (pid > 0) {
            s->reaped++;
            if (pid == s->main_pid) {
                s->main_running = false;
                s->main_status = status;
                log_fields(LOG_LEVEL_INFO,
                           (struct log_field[]){LOG_NUM("pid", pid),
                                                LOG_NUM("status", exit_code_for_status(status))},
                           2, "main program (pid %ld) ended with status %d", (long)pid,
                           exit_code_for_status(status));
            } else {
                log_fields(s->cfg->rules.warn_on_reap ? LOG_LEVEL_WARN : LOG_LEVEL_DEBUG,
                           (struct log_field[]){LOG_NUM("pid", pid)}, 1, "reaped pid %ld",
                           (long)pid);
            }
            continue;
        }
        if (pid == 0)
            return false;
        if (errno == EINTR)
            continue;
        if (errno != ECHILD) {
            /* Nothing could be reaped again: warden ends (the loop sees failed). */
            log_unexpected(strerror(errno), "wait for children");
            s->failed = true;
        }
        return true;
    }
}

void supervise_arm_deadline(struct supervision *s, const char *why, uint64_t ns)
{
    if (s->deadline_armed)
        return;
    s->deadline_armed = true;
    s->deadline_ns = ns;
    s->deadline = clock_after_ns(ns);
    log_info("%s: grace period of %.3f s started", why, (double)ns / 1e9);
}

/* The engine asked to stop (its STOPSIGNAL, TERM by default). Only --grace sets a
 * deadline on the program: without it the engine's own timeout is the only one, so warden
 * never kills a program that the engine would still have waited for. */
static void stop_requested(struct supervision *s)
{
    supervise_cancel_health(s);
    if (s->cfg->grace_given)
        supervise_arm_deadline(s, "stop requested", s->cfg->grace_ns);
    else
        log_info("stop requested: no --grace, waiting for the program as long as it takes");
}

static bool is_job_control_stop(int sig)
{
    return sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU;
}

/* A signal for the program: forwarded (rewritten when asked) at once; names and log lines
 * come after the kill, so that nothing but the decision stands between the two. */
static void forward_signal(struct supervision *s, int sig, const siginfo_t *info)
{
    /* The kernel sends SIGPIPE (and the like) to warden itself when its own write fails,
     * and HUP and CONT when it lets go of its terminal (dumb-init's session mode), with
     * warden as sender: that is warden's business, not the program's. */
    bool own = info->si_code == SI_USER && info->si_pid == s->self;
    /* An explicit rewrite (dumb-init's job-control stops) forwards even these; dumb-init
     * forwards everything but SIGCHLD. */
    bool forwarded = signal_is_forwarded(sig) || config_signal_rewritten(s->cfg, sig) ||
                     (s->cfg->rules.forward_all && sig != SIGCHLD);
    int target_sig = config_forwarded_signal(s->cfg, sig);
    pid_t target = s->cfg->process_group ? -s->main_pid : s->main_pid;
    bool send = !own && forwarded && target_sig != SIGNAL_DROPPED && s->main_running;
    int err = send && kill(target, target_sig) != 0 ? errno : 0;

    char name[16], target_name[16];
    signal_to_name(sig, name, sizeof(name));
    signal_to_name(target_sig, target_name, sizeof(target_name));
    if (own) {
        log_debug("SIG%s caused by warden itself: not forwarded", name);
    } else if (!forwarded) {
        log_debug("received SIG%s: not forwarded", name);
    } else if (target_sig == SIGNAL_DROPPED) {
        log_info("received SIG%s: dropped (--rewrite)", name);
    } else if (!s->main_running) {
        log_debug("received SIG%s after the main program ended: already stopping", name);
        if (sig == s->cfg->stop_signal)
            supervise_cancel_health(s);
    } else {
        if (err && err != ESRCH)
            supervise_signal_failed(s, "forward", target_name, err);
        log_fields(LOG_LEVEL_INFO,
                   (struct log_field[]){LOG_STR("signal", name), LOG_STR("forwarded", target_name),
                                        LOG_NUM("pid", target)},
                   3, "forwarded SIG%s as SIG%s to %s %ld", name, target_name,
                   s->cfg->process_group ? "process group" : "pid", (long)s->main_pid);
        if (s->cfg->process_group && target_sig == config_leftover_signal(s->cfg))
            s->group_got_stop = true;
        if (sig == s->cfg->stop_signal)
            stop_requested(s);
    }
    /* dumb-init: a job-control stop stops the init too, so that the shell that started it
     * sees a stopped job (as PID 1 the kernel ignores it). */
    if (!own && s->cfg->rules.stop_self && is_job_control_stop(sig))
        kill(s->self, SIGSTOP);
}

/* As PID 1 the end of the program is the end of the container: every other process gets
 * the signals. Not before a restart: then only warden's own descendants, never a
 * `docker exec` session or the engine's health check process. */
static bool whole_namespace(const struct supervision *s)
{
    return s->is_pid1 && s->unhealthy_end != END_RESTART;
}

static void kill_everything(struct supervision *s)
{
    if (s->main_running) {
        kill(-s->main_pid, SIGKILL);
        kill(s->main_pid, SIGKILL);
    }
    /* Quiet: it runs on every wake-up while killing, and the stop before it has said why
     * the processes could not be listed. */
    leftovers_signal(SIGKILL, whole_namespace(s), 0, true);
}

/* warden can no longer wait (for signals, or for children): nothing it promises (forwarding,
 * reaping, the ordered stop) holds any more. Everything is killed, and reaped where that
 * still works, and warden exits with its own failure code. */
static void end_on_failure(struct supervision *s)
{
    kill_everything(s);
    while (waitpid(-1, NULL, 0) > 0 || errno == EINTR)
        ;
    s->program->failed = true;
}

void supervise_signal_failed(const struct supervision *s, const char *verb, const char *sig_name,
                             int err)
{
    const char *kind = s->cfg->process_group ? "process group" : "pid";
    /* Root may signal anything: then only a filter or a security module can refuse. */
    if (err != EPERM || geteuid() == 0) {
        log_unexpected(strerror(err), "%s SIG%s to %s %ld", verb, sig_name, kind,
                       (long)s->main_pid);
        return;
    }
    log_warn("unable to %s SIG%s to %s %ld: %s: the program runs as a user that warden (uid %u) "
             "may not signal (it switched users, with su or sudo?): keep it as --user's user, or "
             "leave --user out so that warden stays root",
             verb, sig_name, kind, (long)s->main_pid, strerror(err), (unsigned)geteuid());
}

/* What the program left gets its stop signal (after --rewrite) once: not again where the
 * group already got it. */
static void stop_leftovers(struct supervision *s)
{
    int sig = config_leftover_signal(s->cfg);
    char name[16];
    signal_to_name(sig, name, sizeof(name));
    int count =
        leftovers_signal(sig, whole_namespace(s), s->group_got_stop ? s->main_pid : 0, false);
    s->leftovers_asked_to_stop = true;
    if (whole_namespace(s) && !s->group_got_stop)
        log_info("main program ended: sent SIG%s to every remaining process", name);
    else
        log_info("main program ended: sent SIG%s to %d leftover process%s", name, count,
                 count == 1 ? "" : "es");
    supervise_arm_deadline(s, "leftovers", config_leftover_grace_ns(s->cfg));
}

/* dumb-init: the program has exited (seen without reaping it, so that its group id cannot
 * have been reused): its group gets the stop signal before warden goes. */
static void stop_group_of_exited_program(struct supervision *s)
{
    siginfo_t info = {0};
    if (!s->main_running || !s->cfg->process_group)
        return;
    if (waitid(P_PID, (id_t)s->main_pid, &info, WEXITED | WNOHANG | WNOWAIT) != 0 ||
        info.si_pid != s->main_pid)
        return;
    kill(-s->main_pid, config_leftover_signal(s->cfg));
}

/* The events of the wait loop; every other signal is forwarded. */
static void on_wait_failed(struct supervision *s, int sig, const siginfo_t *info)
{
    (void)sig, (void)info;
    s->failed = true; /* said where it failed; the loop ends */
}

static void on_deadline(struct supervision *s, int sig, const siginfo_t *info)
{
    (void)s, (void)sig, (void)info; /* the checks after every event see it */
}

static void on_child(struct supervision *s, int sig, const siginfo_t *info)
{
    (void)s, (void)sig, (void)info; /* reaping follows every event */
}

static void on_check_ready(struct supervision *s, int sig, const siginfo_t *info)
{
    (void)s, (void)sig, (void)info; /* watch_health follows every event */
}

static const struct {
    int event; /* a signal, or what signals_wait returns besides one */
    void (*handle)(struct supervision *s, int sig, const siginfo_t *info);
} dispatch[] = {
    {-1, on_wait_failed},
    {0, on_deadline},
    {SIGCHLD, on_child},
    {SIGNALS_FD_READY, on_check_ready},
};

static void handle(struct supervision *s, int sig, const siginfo_t *info)
{
    for (size_t i = 0; i < sizeof(dispatch) / sizeof(dispatch[0]); i++) {
        if (dispatch[i].event == sig) {
            dispatch[i].handle(s, sig, info);
            return;
        }
    }
    forward_signal(s, sig, info);
}

/* What is killed, after how long, and what sets that time. */
static void log_kill(const struct supervision *s)
{
    int count = leftovers_count(s->is_pid1) - (s->main_running ? 1 : 0);
    char what[160], others[64] = "everything else left";
    const char *source = s->cfg->grace_given ? "set by --grace or WARDEN_GRACE"
                         : s->cfg->rules.fixed_grace
                             ? "warden's fixed deadline for what the program leaves behind"
                             : "the default for what the program leaves behind; --grace or "
                               "WARDEN_GRACE sets it";
    if (count >= 0)
        snprintf(others, sizeof(others), "%d %s process%s", count,
                 s->main_running ? "other" : "leftover", count == 1 ? "" : "es");
    if (s->main_running)
        snprintf(what, sizeof(what), "the program (pid %ld) and %s", (long)s->main_pid, others);
    else
        snprintf(what, sizeof(what), "%s", others);
    log_fields(LOG_LEVEL_WARN,
               (struct log_field[]){LOG_NUM("grace_ms", s->deadline_ns / 1000000u),
                                    LOG_NUM("pid", s->main_running ? s->main_pid : 0),
                                    LOG_NUM("leftovers", count)},
               3, "grace period of %g s over (%s): killing %s with SIGKILL",
               (double)s->deadline_ns / 1e9, source, what);
}

/* After every event: reap, stop what the program left behind, and kill once the grace
 * period is over. Returns true when everything is gone. */
static bool settle(struct supervision *s)
{
    if (s->cfg->rules.exit_with_program)
        stop_group_of_exited_program(s);
    bool no_children = reap_all(s);
    if (s->failed)
        return true;
    if (!s->main_running) {
        health_end(&s->health);
        /* A restart is not the program's exit: the loop goes on. */
        if (no_children && s->unhealthy_end == END_RESTART)
            return supervise_restart_when_due(s);
        /* dumb-init leaves at once, whatever is left (as PID 1 the kernel kills it). */
        if (no_children || s->cfg->rules.exit_with_program)
            return true;
        if (!s->leftovers_asked_to_stop)
            stop_leftovers(s);
    }
    if (s->deadline_armed && !s->killing) {
        if (clock_passed(&s->deadline)) {
            log_kill(s);
            s->killing = true;
        }
    }
    if (s->killing)
        kill_everything(s);
    return false;
}

static const struct timespec *earlier(const struct timespec *a, const struct timespec *b)
{
    if (!a || !b)
        return a ? a : b;
    return a->tv_sec < b->tv_sec || (a->tv_sec == b->tv_sec && a->tv_nsec <= b->tv_nsec) ? a : b;
}

/* Blocked in the kernel until a signal, the health check's fd, or the next deadline: the
 * grace period, a restart's back-off, the health check's. None at all while idle without
 * --health. */
static int next_event(struct supervision *s, siginfo_t *info)
{
    struct timespec recheck;
    const struct timespec *until = NULL;
    if (s->killing && !whole_namespace(s)) {
        recheck = clock_after_ns(KILL_RECHECK_NS);
        until = &recheck;
    } else if (s->deadline_armed && !s->killing) {
        until = &s->deadline;
    }
    if (s->restart_armed)
        until = earlier(until, &s->restart_at);
    until = earlier(until, health_deadline(&s->health));
    struct pollfd check_fd;
    size_t nfds = health_pollfd(&s->health, &check_fd);
    /* Without a check under way, the plain signal wait: the same call as without --health. */
    int event = nfds ? signals_wait_fds(s->signals, until, &check_fd, nfds, info)
                     : signals_wait(s->signals, until, info);
    s->wakeups++;
    s->check_revents = event == SIGNALS_FD_READY ? check_fd.revents : 0;
    return event;
}

int supervise(const struct config *cfg, const struct signal_state *signals, struct program *program,
              pid_t self)
{
    struct supervision s = {
        .cfg = cfg,
        .self = self,
        .signals = signals,
        .is_pid1 = self == 1,
        .program = program,
        .main_pid = program->pid,
        .main_running = true,
    };
    if (cfg->health.text && !program->exec_errno)
        health_begin(&s.health, &cfg->health, program->pid);
    do {
        siginfo_t info;
        int sig = next_event(&s, &info);
        handle(&s, sig, &info);
        supervise_watch_health(&s);
    } while (!s.failed && !settle(&s));
    health_end(&s.health);
    if (s.failed)
        end_on_failure(&s);
    if (s.unhealthy_end == END_STOP) {
        program->stopped_unhealthy = true;
        log_fields(
            LOG_LEVEL_WARN,
            (struct log_field[]){LOG_STR("health", "stopped"), LOG_NUM("status", EXIT_UNHEALTHY)},
            2, "health: stopped because unhealthy: exit status %d", EXIT_UNHEALTHY);
    }
    log_debug("reaped %lu processes in all; woke up %lu times; %lu health checks", s.reaped,
              s.wakeups, s.health.checks);
    return s.main_status;
}

int supervise_pause(const struct signal_state *signals, pid_t self)
{
    log_info("pause mode (pid %ld): waiting for SIGINT or SIGTERM", (long)self);
    for (;;) {
        siginfo_t info;
        int sig = signals_wait(signals, NULL, &info);
        if (sig < 0)
            return -1;
        if (sig == SIGINT || sig == SIGTERM)
            return 0;
        /* Anything that was re-parented here and has died. */
        while (waitpid(-1, NULL, WNOHANG) > 0)
            ;
    }
}
