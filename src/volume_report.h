/* What the volume walk says: per-entry errors and warnings (a few, then a count), progress
 * on a long walk and the summary. */
#ifndef WARDEN_VOLUME_REPORT_H
#define WARDEN_VOLUME_REPORT_H

#include "volume_walk.h"

/* An entry (name in the walker's current directory; NULL: that directory itself) could not
 * be handled: fatal (-1, the job stops) unless best effort (0, counted, a warning). */
int report_failed(struct walker *w, const char *name, const char *what, int err);

/* The pre-walk found an entry (seen as n) whose owner or group is outside this user
 * namespace: one line saying so and what to do; the job stops. */
void report_unmapped(struct walker *w, const char *name, const struct node *n);

/* An entry left alone on purpose (a hard-linked file, an entry that changed meanwhile); the
 * pre-walk says nothing, the walk after it does. */
void report_skipped(struct walker *w, const char *name, const char *why);

/* Called for every entry checked: now and then, a progress line. */
void report_progress(struct walker *w);

/* The job is stopped: one line (with a "path" field unless path is NULL), even when several
 * walkers fail at once. */
void report_stop(struct volume_job *job, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* After the walk: the count of warnings not shown, and the summary line. */
void report_done(struct volume_job *job, const struct volume_stats *stats);

#endif
