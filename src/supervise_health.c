/* What --on-unhealthy does inside the supervision loop: the ordered stop of an unhealthy
 * program, and its start again after a back-off. */
#include <errno.h>
#include <signal.h>
#include <string.h>

#include "clock.h"
#include "log.h"
#include "signames.h"
#include "supervise_state.h"

/* A stop the engine asked for wins over warden's own plans: no more checks, no restart. */
void supervise_cancel_health(struct supervision *s)
{
    health_end(&s->health);
    if (s->unhealthy_end == END_RESTART) {
        s->unhealthy_end = END_NONE;
        s->restart_armed = false;
        log_info("health: stop requested: the program will not be started again");
    }
}

/* --on-unhealthy stop or restart: the program gets its stop signal (after --rewrite) and,
 * since no engine will kill a program that hangs, a deadline of warden's own: --grace, or
 * the leftovers' default. Then the usual end: leftovers, the grace period, SIGKILL. */
static void stop_unhealthy(struct supervision *s)
{
    const struct health_config *h = &s->cfg->health;
    bool restart = h->action == UNHEALTHY_RESTART && health_restart_allowed(&s->health);
    int sig = config_leftover_signal(s->cfg);
    pid_t target = s->cfg->process_group ? -s->main_pid : s->main_pid;
    char name[16];
    health_end(&s->health);
    s->unhealthy_end = restart ? END_RESTART : END_STOP;
    int err = kill(target, sig) != 0 ? errno : 0;
    if (s->cfg->process_group)
        s->group_got_stop = true;
    signal_to_name(sig, name, sizeof(name));
    if (err && err != ESRCH)
        supervise_signal_failed(s, "send", name, err);
    log_fields(LOG_LEVEL_WARN,
               (struct log_field[]){LOG_STR("health", restart ? "restarting" : "stopping"),
                                    LOG_STR("signal", name), LOG_NUM("pid", s->main_pid)},
               3, "health: %s: sent SIG%s to pid %ld%s", restart ? "restarting" : "stopping", name,
               (long)s->main_pid,
               restart                          ? ""
               : h->action == UNHEALTHY_RESTART ? "; --restart-limit reached, warden exits 124"
                                                : "; warden exits 124");
    supervise_arm_deadline(s, "unhealthy", config_leftover_grace_ns(s->cfg));
}

/* After every event: the check's fd or deadline, or a check that is due. */
void supervise_watch_health(struct supervision *s)
{
    short revents = s->check_revents;
    s->check_revents = 0;
    if (health_advance(&s->health, revents) == HEALTH_ACT)
        stop_unhealthy(s);
}

/* Everything of the old program is gone: after the back-off, the program again, in place
 * (warden already is the user it runs as, with the same environment). Returns true when
 * it could not be started: warden then ends as for stop. */
bool supervise_restart_when_due(struct supervision *s)
{
    if (!s->restart_armed) {
        uint64_t wait = health_backoff_ns(&s->health);
        health_count_restart(&s->health);
        s->restart_armed = true;
        s->restart_at = clock_after_ns(wait);
        if (wait)
            log_info("health: restart in %g s (back-off)", (double)wait / 1e9);
    }
    struct timespec left = clock_until(&s->restart_at);
    if (left.tv_sec > 0 || left.tv_nsec > 0)
        return false;
    s->restart_armed = s->deadline_armed = s->killing = false;
    s->group_got_stop = s->leftovers_asked_to_stop = false;
    s->unhealthy_end = END_STOP;
    if (program_start(s->cfg, &s->signals->original_mask, s->program) != 0)
        return true;
    s->unhealthy_end = END_NONE;
    s->main_pid = s->program->pid;
    s->main_running = true;
    log_fields(LOG_LEVEL_WARN,
               (struct log_field[]){LOG_STR("health", "restarted"), LOG_NUM("pid", s->main_pid),
                                    LOG_NUM("restarts", s->health.restarts)},
               3, "health: restarted: '%s' is pid %ld (restart %lu in a row)", s->cfg->command[0],
               (long)s->main_pid, s->health.restarts);
    if (!s->program->exec_errno)
        health_begin(&s->health, &s->cfg->health, s->main_pid);
    return false;
}
