#include "volume_report.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "log.h"

#define PROGRESS_BATCH 256
#define WARNINGS_SHOWN 10

/* "/top/sub/dir/name", for messages. */
static const char *entry_path(const struct walker *w, const char *name, char *buf, size_t size)
{
    size_t used = (size_t)snprintf(buf, size, "%s%s", w->job->root_path, w->base ? w->base : "");
    for (size_t i = 0; i < w->depth && used < size; i++)
        used += (size_t)snprintf(buf + used, size - used, "/%s", w->frames[i].entered_as);
    if (name && used < size)
        snprintf(buf + used, size - used, "/%s", name);
    return buf;
}

/* Counts a warning; true while it should still be shown. */
static bool count_warning(struct volume_job *job)
{
    pthread_mutex_lock(&job->lock);
    bool show = ++job->warnings <= WARNINGS_SHOWN;
    pthread_mutex_unlock(&job->lock);
    return show;
}

void report_stop(struct volume_job *job, const char *path, const char *fmt, ...)
{
    char message[4352];
    va_list ap;
    if (atomic_exchange(&job->stop, 1))
        return;
    va_start(ap, fmt);
    vsnprintf(message, sizeof(message), fmt, ap);
    va_end(ap);
    log_fields(LOG_LEVEL_ERROR, (struct log_field[]){LOG_STR("path", path)}, path ? 1 : 0, "%s",
               message);
}

/* EPERM on a change: the capability it takes, or a file system that refuses it. */
static const char *refused_hint(const char *what, int err)
{
    if (err != EPERM)
        return "";
    if (strcmp(what, "change the owner of") == 0)
        return " (changing an owner takes CAP_CHOWN, on a file system that allows it: not NFS "
               "with root squashed): give warden CAP_CHOWN, change that entry by hand, or pass "
               "--chown-best-effort to go on past such entries";
    if (strcmp(what, "change the mode of") == 0)
        return " (changing the mode of another user's file takes CAP_FOWNER): give warden "
               "CAP_FOWNER, change that entry by hand, or pass --chown-best-effort to go on past "
               "such entries";
    return "";
}

int report_failed(struct walker *w, const char *name, const char *what, int err)
{
    char path[4096];
    struct volume_job *job = w->job;
    entry_path(w, name, path, sizeof(path));
    if (!job->opts->best_effort) {
        report_stop(job, path, "--chown: unable to %s '%s': %s%s", what, path, strerror(err),
                    refused_hint(what, err));
        return -1;
    }
    w->stats.failed++;
    if (count_warning(job))
        log_fields(LOG_LEVEL_WARN, (struct log_field[]){LOG_STR("path", path)}, 1,
                   "--chown: unable to %s '%s': %s (continuing: --chown-best-effort)", what, path,
                   strerror(err));
    return 0;
}

void report_unmapped(struct walker *w, const char *name, const struct node *n)
{
    char path[4096];
    entry_path(w, name, path, sizeof(path));
    report_stop(w->job, path,
                "--chown: '%s' is owned by a user or group outside this user namespace (it "
                "shows as %u:%u), which cannot be changed from inside: nothing was changed; "
                "change its owner from the host (e.g. podman unshare chown), or pass "
                "--chown-best-effort to change the rest",
                path, (unsigned)n->uid, (unsigned)n->gid);
}

void report_skipped(struct walker *w, const char *name, const char *why)
{
    char path[4096];
    if (w->job->check_only)
        return;
    w->stats.skipped++;
    if (count_warning(w->job)) {
        entry_path(w, name, path, sizeof(path));
        log_fields(LOG_LEVEL_WARN, (struct log_field[]){LOG_STR("path", path)}, 1,
                   "--chown: left '%s' alone: %s", path, why);
    }
}

static void show_progress(const struct volume_job *job, unsigned long checked,
                          unsigned long changed)
{
    uint64_t elapsed_ns = clock_elapsed_ns(&job->started);
    unsigned long elapsed_ms = (unsigned long)(elapsed_ns / 1000000u);
    unsigned long rate = elapsed_ms ? (unsigned long)(checked * 1000ull / elapsed_ms) : 0;
    log_fields(LOG_LEVEL_WARN,
               (struct log_field[]){LOG_STR("path", job->root_path), LOG_NUM("checked", checked),
                                    LOG_NUM("changed", changed), LOG_NUM("per_second", rate),
                                    LOG_NUM("elapsed_ms", elapsed_ms)},
               5,
               "--chown %s: still working: %lu entries checked, %lu changed, %lu/s, %lu s so far",
               job->root_path, checked, changed, rate, elapsed_ms / 1000);
}

/* Every PROGRESS_BATCH entries a walker adds its counts to the job's; a line is due after
 * progress_after_ns, then every progress_every_ns. */
void report_progress(struct walker *w)
{
    struct volume_job *job = w->job;
    const struct volume_options *opts = job->opts;
    if (w->stats.checked - w->reported_checked < PROGRESS_BATCH)
        return;
    pthread_mutex_lock(&job->lock);
    job->checked += w->stats.checked - w->reported_checked;
    job->changed += w->stats.changed - w->reported_changed;
    w->reported_checked = w->stats.checked;
    w->reported_changed = w->stats.changed;
    uint64_t since = clock_elapsed_ns(job->shown_progress ? &job->last_progress : &job->started);
    bool due = since >= (job->shown_progress ? opts->progress_every_ns : opts->progress_after_ns);
    if (due) {
        job->last_progress = clock_now();
        job->shown_progress = true;
    }
    unsigned long checked = job->checked, changed = job->changed;
    walk_grow(job);
    pthread_mutex_unlock(&job->lock);
    if (due)
        show_progress(job, checked, changed);
}

void report_done(struct volume_job *job, const struct volume_stats *stats)
{
    const char *path = job->root_path;
    uint64_t elapsed_ns = clock_elapsed_ns(&job->started);
    if (job->warnings > WARNINGS_SHOWN)
        log_warn("--chown %s: %lu more warning%s not shown", path, job->warnings - WARNINGS_SHOWN,
                 job->warnings - WARNINGS_SHOWN == 1 ? "" : "s");
    log_fields(LOG_LEVEL_INFO,
               (struct log_field[]){
                   LOG_STR("path", path), LOG_NUM("checked", stats->checked),
                   LOG_NUM("changed", stats->changed), LOG_NUM("skipped", stats->skipped),
                   LOG_NUM("failed", stats->failed), LOG_NUM("elapsed_ms", elapsed_ns / 1000000u),
                   LOG_NUM("elapsed_us", elapsed_ns / 1000u)},
               7, "--chown %s: %lu entries checked, %lu changed, %lu skipped, %lu failed in %.3f s",
               path, stats->checked, stats->changed, stats->skipped, stats->failed,
               (double)elapsed_ns / 1e9);
}
