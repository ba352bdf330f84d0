/* What one entry of a volume needs, and the change itself: through the directory's own
 * descriptor, or by name in its parent without ever following a link. */
#ifndef WARDEN_VOLUME_CHANGE_H
#define WARDEN_VOLUME_CHANGE_H

#include <stdbool.h>

#include "volume_walk.h"

/* True when n differs from what the options ask (owner, group or mode). */
bool change_needed(const struct volume_options *opts, const struct node *n);

/* The directory fd (its identity, read through fd, is now). */
int change_directory(struct walker *w, int fd, const struct node *now, const char *name);

/* The non-directory name in the directory dirfd, seen as n. */
int change_other(struct walker *w, int dirfd, const char *name, const struct node *n);

/* The volume's path itself when it is not a directory, opened O_PATH as fd. */
int change_opened_file(struct walker *w, int fd, const struct node *n);

#endif
