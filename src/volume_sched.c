/* Sharing one volume's walk between walkers. The calling thread starts alone; helpers
 * start only once the walk has seen enough entries for them to pay off, so that a small
 * volume costs no thread at all. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "volume_pool.h"
#include "volume_report.h"
#include "volume_walk.h"

#define CHUNK         32  /* names a walker takes from a task at a time */
#define TASKS_MAX     16  /* directories waiting with an open descriptor */
#define HELPERS_AFTER 256 /* entries the first walker checks alone before helpers start */

/* A directory whose names are handed out a few at a time. */
struct task {
    struct task *next;
    int fd;     /* closed when the last name is done (not the top's) */
    char *path; /* below the top, for messages: NULL (the top) or "/a/b" */
    struct dir_names names;
    size_t users; /* walkers with names of it in hand */
};

static void task_free(struct volume_job *job, struct task *t)
{
    if (t->fd != job->root_fd) {
        close(t->fd);
        job->open_tasks--;
    }
    dir_names_free(&t->names);
    free(t->path);
    free(t);
}

static struct task *new_task(const char *parent, const char *name, int fd)
{
    struct task *t = malloc(sizeof(*t));
    size_t len = (parent ? strlen(parent) : 0) + strlen(name) + 2;
    char *path = malloc(len);
    if (!t || !path) {
        free(t);
        free(path);
        return NULL;
    }
    snprintf(path, len, "%s/%s", parent ? parent : "", name);
    *t = (struct task){.fd = fd, .path = path};
    return t;
}

static bool tasks_full(struct volume_job *job)
{
    pthread_mutex_lock(&job->lock);
    bool full = job->open_tasks >= TASKS_MAX;
    pthread_mutex_unlock(&job->lock);
    return full;
}

/* A directory met in task t: a task of its own while there is room (or memory), else
 * walked here, depth first. */
static int handle_directory(struct walker *w, struct task *t, const char *name, int child,
                            const struct node *node)
{
    struct volume_job *job = w->job;
    struct task *added = tasks_full(job) ? NULL : new_task(t->path, name, child);
    if (!added)
        return walk_subtree(w, child, node, name);
    if (dir_read_names(child, &added->names) != 0 || added->names.len == 0) {
        int err = errno, empty = added->names.len == 0;
        close(child);
        free(added->path);
        free(added);
        return empty ? 0 : report_failed(w, name, "read", err);
    }
    pthread_mutex_lock(&job->lock);
    added->next = job->tasks;
    job->tasks = added;
    job->open_tasks++;
    pthread_cond_signal(&job->wake);
    pthread_mutex_unlock(&job->lock);
    return 0;
}

static int run_chunk(struct walker *w, struct task *t, const char **names, size_t count)
{
    w->base = t->path;
    for (size_t i = 0; i < count; i++) {
        int child;
        struct node node;
        if (walk_should_stop(w->job) || walk_visit(w, t->fd, names[i], &child, &node) != 0)
            return -1;
        if (child >= 0 && handle_directory(w, t, names[i], child, &node) != 0)
            return -1;
    }
    return 0;
}

/* Takes up to CHUNK names of the newest task with names left (lock held); NULL if none. */
static struct task *take_chunk(struct volume_job *job, const char **names, size_t *count)
{
    struct task *t = job->tasks;
    if (!t)
        return NULL;
    for (*count = 0; *count < CHUNK; (*count)++) {
        names[*count] = dir_next_name(&t->names);
        if (!names[*count])
            break;
    }
    t->users++;
    if (t->names.next >= t->names.len)
        job->tasks = t->next; /* every name handed out: freed by the last user */
    return t;
}

static void give_back(struct volume_job *job, struct task *t)
{
    if (--t->users == 0 && t->names.next >= t->names.len)
        task_free(job, t);
}

/* Takes names until no task has any left and no walker is busy (that could add tasks). */
static void *run_walker(void *arg)
{
    struct walker *w = arg;
    struct volume_job *job = w->job;
    const char *names[CHUNK];
    size_t count;
    pthread_mutex_lock(&job->lock);
    for (;;) {
        struct task *t = job->stop ? NULL : take_chunk(job, names, &count);
        if (!t && (job->stop || job->busy == 0))
            break;
        if (!t) {
            pthread_cond_wait(&job->wake, &job->lock);
            continue;
        }
        job->busy++;
        pthread_mutex_unlock(&job->lock);
        int rc = run_chunk(w, t, names, count);
        pthread_mutex_lock(&job->lock);
        job->busy--;
        give_back(job, t);
        if (rc != 0 || job->busy == 0)
            pthread_cond_broadcast(&job->wake);
    }
    pthread_cond_broadcast(&job->wake);
    pthread_mutex_unlock(&job->lock);
    return NULL;
}

/* Called by the walkers now and then (lock held): helpers start once the first
 * HELPERS_AFTER entries are done and names are still waiting. */
void walk_grow(struct volume_job *job)
{
    if (job->helpers_started || job->checked < HELPERS_AFTER || !job->tasks)
        return;
    job->helpers_started = true;
    size_t count = pool_size_wanted() - 1;
    for (size_t i = 0; i < count; i++)
        job->helpers[i] = (struct walker){.job = job};
    pool_start(&job->pool, count, run_walker, job->helpers, sizeof(job->helpers[0]));
}

static void add_stats(struct volume_stats *sum, const struct volume_stats *more)
{
    sum->checked += more->checked;
    sum->changed += more->changed;
    sum->skipped += more->skipped;
    sum->failed += more->failed;
}

static void walker_done(struct walker *w, struct volume_stats *stats)
{
    add_stats(stats, &w->stats);
    while (w->depth > 0)
        dir_names_free(&w->frames[--w->depth].names);
    free(w->frames);
}

int walk_below_top(struct volume_job *job, struct volume_stats *stats)
{
    struct walker first = {.job = job};
    struct task *top = malloc(sizeof(*top));
    if (!top || dir_read_names(job->root_fd, &top->names) != 0) {
        int err = top ? errno : ENOMEM;
        free(top);
        return report_failed(&first, NULL, "read", err);
    }
    top->next = NULL;
    top->fd = job->root_fd;
    top->path = NULL;
    top->users = 0;
    job->tasks = top->names.len ? top : NULL;
    if (!job->tasks) {
        task_free(job, top);
        return 0;
    }
    run_walker(&first);
    pool_join(&job->pool);
    walker_done(&first, stats);
    for (size_t i = 0; i < job->pool.count; i++)
        walker_done(&job->helpers[i], stats);
    /* After a stop, tasks never handed out are still listed. */
    while (job->tasks) {
        struct task *t = job->tasks;
        job->tasks = t->next;
        task_free(job, t);
    }
    return job->stop ? -1 : 0;
}
