/* --chmod MODE: a symbolic mode as chmod(1) takes it ("u+rwX,g=u,o-w") or an octal one
 * ("0750"), parsed once and applied to each entry's current mode. */
#ifndef WARDEN_VOLUME_MODE_H
#define WARDEN_VOLUME_MODE_H

#include <stdbool.h>
#include <stddef.h>

#define MODE_CLAUSES_MAX 32

struct mode_clause {
    unsigned who;   /* bits the clause may touch: some of 07777 */
    char op;        /* '+', '-' or '=' */
    unsigned perms; /* r w x s t as mode bits, for every class */
    bool cond_exec; /* X: execute only for a directory or what already has an x bit */
    char copy_from; /* 'u', 'g' or 'o': the permissions of that class instead; else 0 */
};

struct mode_change {
    struct mode_clause clauses[MODE_CLAUSES_MAX];
    size_t count;
};

/* Parses text; on error, returns -1 with why filled. A clause without u, g, o or a applies
 * to all three classes (no umask is involved). */
int mode_parse(const char *text, struct mode_change *out, char *why, size_t why_size);

/* The permission bits (07777) an entry with mode old should have. */
unsigned mode_apply(const struct mode_change *change, unsigned old, bool is_dir);

#endif
