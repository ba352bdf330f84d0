/* A directory's names, read whole before any of them is visited: the walk then holds no
 * directory stream open while it goes down, and a name list costs one allocation. */
#ifndef WARDEN_VOLUME_DIR_H
#define WARDEN_VOLUME_DIR_H

#include <stddef.h>

struct dir_names {
    char *names; /* NUL-separated, without "." and ".." */
    size_t len;  /* bytes used in names */
    size_t next; /* offset of the next name dir_next_name gives */
};

/* Reads every name of the open directory fd into out (which is then freed with
 * dir_names_free). Returns 0, or -1 with errno set and nothing to free. */
int dir_read_names(int fd, struct dir_names *out);

/* The next name not yet given, or NULL at the end. */
const char *dir_next_name(struct dir_names *d);

/* How many names are left, counting at most limit. */
size_t dir_names_left(const struct dir_names *d, size_t limit);

void dir_names_free(struct dir_names *d);

#endif
