/* --chown: one volume, from its path to the summary line. The path is opened by
 * volume_open.c, the tree below walked by volume_walk.c. */
#include "volumes.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"
#include "volume_open.h"
#include "volume_report.h"
#include "volume_walk.h"

/* The path itself is a file: opened with O_PATH|O_NOFOLLOW, changed through that fd. */
static int prepare_file(struct volume_job *job, struct walker *top)
{
    const struct volume_options *opts = job->opts;
    if (S_ISREG(job->root.mode) && job->root.nlink > 1) {
        report_skipped(top, NULL, "regular file with more than one hard link");
        return 0;
    }
    if (!walk_needs_change(job, &job->root))
        return 0;
    if (fchownat(job->root_fd, "", opts->uid, opts->gid, AT_EMPTY_PATH) != 0)
        return report_failed(top, NULL, "change the owner of", errno);
    top->stats.changed++;
    return 0;
}

static int prepare_directory(struct volume_job *job, struct walker *top, struct volume_stats *stats)
{
    if (walk_change_directory(top, job->root_fd, &job->root, NULL) != 0)
        return -1;
    if (dir_read_names(job->root_fd, &job->top) != 0)
        return report_failed(top, NULL, "read", errno);
    int rc = walk_below_top(job, stats);
    dir_names_free(&job->top);
    return rc;
}

int volume_prepare(const char *path, const struct volume_options *opts, struct volume_stats *stats)
{
    struct volume_job job = {.root_path = path, .opts = opts};
    struct walker top = {.job = &job};
    bool is_dir;

    memset(stats, 0, sizeof(*stats));
    job.started = job.last_progress = clock_now();
    job.root_fd = volume_open(path, opts->uid, opts->gid, &is_dir);
    if (job.root_fd < 0)
        return -1;
    if (node_stat(job.root_fd, "", &job.root) != 0) {
        log_error("--chown %s: unable to inspect it: %s", path, strerror(errno));
        close(job.root_fd);
        return -1;
    }
    pthread_mutex_init(&job.lock, NULL);
    stats->checked = 1;
    int rc = is_dir ? prepare_directory(&job, &top, stats) : prepare_file(&job, &top);
    close(job.root_fd);
    stats->changed += top.stats.changed;
    stats->skipped += top.stats.skipped;
    stats->failed += top.stats.failed;
    pthread_mutex_destroy(&job.lock);
    if (rc != 0)
        return -1;
    report_done(&job, stats);
    return 0;
}
