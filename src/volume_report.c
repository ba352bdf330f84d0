#include "volume_report.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "log.h"

#define PROGRESS_EVERY_NS (5ull * 1000000000ull)
#define WARNINGS_SHOWN    10

/* "/top/sub/dir/name", for messages. */
static const char *entry_path(const struct walker *w, const char *name, char *buf, size_t size)
{
    size_t used = (size_t)snprintf(buf, size, "%s", w->job->root_path);
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
    pthread_mutex_lock(&job->lock);
    bool first = !job->stop;
    job->stop = true;
    pthread_mutex_unlock(&job->lock);
    if (!first)
        return;
    va_start(ap, fmt);
    vsnprintf(message, sizeof(message), fmt, ap);
    va_end(ap);
    log_fields(LOG_LEVEL_ERROR, (struct log_field[]){LOG_STR("path", path)}, path ? 1 : 0, "%s",
               message);
}

int report_failed(struct walker *w, const char *name, const char *what, int err)
{
    char path[4096];
    struct volume_job *job = w->job;
    entry_path(w, name, path, sizeof(path));
    if (!job->opts->best_effort) {
        report_stop(job, path, "--chown: unable to %s '%s': %s", what, path, strerror(err));
        return -1;
    }
    w->stats.failed++;
    if (count_warning(job))
        log_fields(LOG_LEVEL_WARN, (struct log_field[]){LOG_STR("path", path)}, 1,
                   "--chown: unable to %s '%s': %s (continuing: --chown-best-effort)", what, path,
                   strerror(err));
    return 0;
}

void report_skipped(struct walker *w, const char *name, const char *why)
{
    char path[4096];
    w->stats.skipped++;
    if (count_warning(w->job)) {
        entry_path(w, name, path, sizeof(path));
        log_fields(LOG_LEVEL_WARN, (struct log_field[]){LOG_STR("path", path)}, 1,
                   "--chown: left '%s' alone: %s", path, why);
    }
}

void report_progress(struct walker *w)
{
    struct volume_job *job = w->job;
    if ((w->stats.checked & 4095) != 0)
        return;
    pthread_mutex_lock(&job->lock);
    job->checked += 4096;
    bool due = clock_elapsed_ns(&job->last_progress) >= PROGRESS_EVERY_NS;
    if (due)
        job->last_progress = clock_now();
    unsigned long checked = job->checked;
    pthread_mutex_unlock(&job->lock);
    if (due)
        log_info("--chown %s: about %lu entries checked so far", job->root_path, checked);
}

void report_done(struct volume_job *job, const struct volume_stats *stats)
{
    const char *path = job->root_path;
    if (job->warnings > WARNINGS_SHOWN)
        log_warn("--chown %s: %lu more warnings not shown", path, job->warnings - WARNINGS_SHOWN);
    log_fields(LOG_LEVEL_INFO,
               (struct log_field[]){LOG_STR("path", path), LOG_NUM("checked", stats->checked),
                                    LOG_NUM("changed", stats->changed),
                                    LOG_NUM("skipped", stats->skipped),
                                    LOG_NUM("failed", stats->failed)},
               5, "--chown %s: %lu entries checked, %lu changed, %lu skipped, %lu failed in %.3f s",
               path, stats->checked, stats->changed, stats->skipped, stats->failed,
               (double)clock_elapsed_ns(&job->started) / 1e9);
}
