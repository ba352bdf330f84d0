/* --chown: one volume, from its path to the summary line. The path is opened by
 * volume_open.c, the tree below walked by volume_walk.c and volume_sched.c; the top is
 * changed last, so that a walk cut short (the container stopped, the machine lost) leaves
 * it as it was, and --chown-policy root-mismatch walks again at the next start. */
#include "volumes.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"
#include "volume_change.h"
#include "volume_open.h"
#include "volume_report.h"
#include "volume_userns.h"
#include "volume_walk.h"

#define PROGRESS_AFTER_NS (2ull * 1000000000ull)
#define PROGRESS_EVERY_NS (5ull * 1000000000ull)

void volume_options_init(struct volume_options *opts)
{
    *opts = (struct volume_options){
        .uid = VOLUME_KEEP_ID,
        .gid = VOLUME_KEEP_ID,
        .policy = VOLUME_POLICY_ALWAYS,
        .progress_after_ns = PROGRESS_AFTER_NS,
        .progress_every_ns = PROGRESS_EVERY_NS,
    };
}

int volume_policy_parse(const char *text, enum volume_policy *out)
{
    if (strcmp(text, "always") == 0)
        *out = VOLUME_POLICY_ALWAYS;
    else if (strcmp(text, "root-mismatch") == 0)
        *out = VOLUME_POLICY_ROOT_MISMATCH;
    else
        return -1;
    return 0;
}

/* In a user namespace that maps only part of the ids (rootless Podman), an entry owned
 * outside it cannot be changed: the same walk, changing nothing, finds such an entry
 * before anything is changed, so that the volume is never left half changed. Not run with
 * --chown-best-effort (the walk goes on past it) nor where every id is mapped. */
static int check_below(struct volume_job *job)
{
    struct volume_job check = {
        .root_path = job->root_path, .opts = job->opts, .root = job->root, .check_only = true};
    if (job->opts->best_effort || !userns_partial(&check.overflow_uid, &check.overflow_gid))
        return 0;
    /* A descriptor of its own: the names of job->root_fd are read once more by the walk. */
    check.root_fd = openat(job->root_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (check.root_fd < 0) {
        log_error("--chown %s: unable to open it: %s", job->root_path, strerror(errno));
        return -1;
    }
    struct walker top = {.job = &check};
    struct volume_stats ignored = {0};
    check.started = clock_now();
    pthread_mutex_init(&check.lock, NULL);
    pthread_cond_init(&check.wake, NULL);
    int rc = change_directory(&top, check.root_fd, &check.root, NULL);
    if (rc == 0)
        rc = walk_below_top(&check, &ignored);
    close(check.root_fd);
    pthread_cond_destroy(&check.wake);
    pthread_mutex_destroy(&check.lock);
    return rc;
}

static int prepare_directory(struct volume_job *job, struct walker *top, struct volume_stats *stats)
{
    if (check_below(job) != 0 || walk_below_top(job, stats) != 0)
        return -1;
    if (stats->failed > 0 || top->stats.failed > 0) {
        unsigned long failed = stats->failed + top->stats.failed;
        log_warn("--chown %s: the top directory is left as it was, since %lu %s failed: the "
                 "next start walks the volume again",
                 job->root_path, failed, failed == 1 ? "entry" : "entries");
        return 0;
    }
    return change_directory(top, job->root_fd, &job->root, NULL);
}

static int open_job(struct volume_job *job, bool *is_dir)
{
    const struct volume_options *opts = job->opts;
    job->root_fd = volume_open(job->root_path, opts->uid, opts->gid, is_dir);
    if (job->root_fd < 0)
        return -1;
    if (node_stat(job->root_fd, "", &job->root) != 0) {
        log_error("--chown %s: unable to inspect it: %s", job->root_path, strerror(errno));
        close(job->root_fd);
        return -1;
    }
    return 0;
}

int volume_prepare(const char *path, const struct volume_options *opts, struct volume_stats *stats)
{
    struct volume_job job = {.root_path = path, .opts = opts};
    struct walker top = {.job = &job};
    bool is_dir;

    memset(stats, 0, sizeof(*stats));
    job.started = clock_now();
    if (open_job(&job, &is_dir) != 0)
        return -1;
    stats->checked = 1;
    if (opts->policy == VOLUME_POLICY_ROOT_MISMATCH && !change_needed(opts, &job.root)) {
        close(job.root_fd);
        uint64_t elapsed_ns = clock_elapsed_ns(&job.started);
        log_fields(LOG_LEVEL_INFO,
                   (struct log_field[]){LOG_STR("path", path), LOG_NUM("checked", 1),
                                        LOG_NUM("changed", 0),
                                        LOG_NUM("elapsed_us", elapsed_ns / 1000u)},
                   4,
                   "--chown %s: the top is as asked already: not walked (--chown-policy "
                   "root-mismatch) in %.6f s",
                   path, (double)elapsed_ns / 1e9);
        return 0;
    }
    pthread_mutex_init(&job.lock, NULL);
    pthread_cond_init(&job.wake, NULL);
    int rc = is_dir ? prepare_directory(&job, &top, stats)
                    : change_opened_file(&top, job.root_fd, &job.root);
    close(job.root_fd);
    stats->changed += top.stats.changed;
    stats->skipped += top.stats.skipped;
    stats->failed += top.stats.failed;
    pthread_cond_destroy(&job.wake);
    pthread_mutex_destroy(&job.lock);
    if (rc != 0)
        return -1;
    report_done(&job, stats);
    return 0;
}
