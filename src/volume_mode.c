#include "volume_mode.h"

#include <stdio.h>
#include <string.h>

/* The bits each class letter may touch: its rwx, and its special bit. */
static unsigned who_bits(char c)
{
    switch (c) {
    case 'u':
        return 04700;
    case 'g':
        return 02070;
    case 'o':
        return 01007;
    case 'a':
        return 07777;
    default:
        return 0;
    }
}

static unsigned perm_bits(char c)
{
    switch (c) {
    case 'r':
        return 0444;
    case 'w':
        return 0222;
    case 'x':
        return 0111;
    case 's':
        return 06000;
    case 't':
        return 01000;
    default:
        return 0;
    }
}

static int parse_octal(const char *text, struct mode_change *out)
{
    unsigned value = 0;
    size_t len = strspn(text, "01234567");
    if (len == 0 || len > 4 || text[len] != '\0')
        return -1;
    for (size_t i = 0; i < len; i++)
        value = value * 8 + (unsigned)(text[i] - '0');
    out->clauses[0] = (struct mode_clause){.who = 07777, .op = '=', .perms = value};
    out->count = 1;
    return 0;
}

/* One action of a clause: an operator, then permission letters or one class to copy. */
static const char *parse_action(const char *p, unsigned who, struct mode_clause *c)
{
    *c = (struct mode_clause){.who = who, .op = *p++};
    if (*p == 'u' || *p == 'g' || *p == 'o') {
        c->copy_from = *p;
        return p + 1;
    }
    for (; *p && *p != ',' && !strchr("+-=", *p); p++) {
        if (*p == 'X')
            c->cond_exec = true;
        else if (perm_bits(*p))
            c->perms |= perm_bits(*p);
        else
            return NULL;
    }
    return p;
}

int mode_parse(const char *text, struct mode_change *out, char *why, size_t why_size)
{
    out->count = 0;
    if (parse_octal(text, out) == 0)
        return 0;
    for (const char *p = text;; p++) {
        unsigned who = 0;
        for (; who_bits(*p); p++)
            who |= who_bits(*p);
        if (!strchr("+-=", *p) || *p == '\0')
            break;
        while (*p && strchr("+-=", *p)) {
            if (out->count == MODE_CLAUSES_MAX)
                break;
            p = parse_action(p, who ? who : 07777, &out->clauses[out->count++]);
            if (!p)
                break;
        }
        if (!p || (*p != ',' && *p != '\0') || out->count == MODE_CLAUSES_MAX)
            break;
        if (*p == '\0')
            return 0;
    }
    snprintf(why, why_size,
             "'%s' is not a mode: give an octal mode (0750) or clauses like u+rwX,g=u,o-w", text);
    out->count = 0;
    return -1;
}

/* A class's rwx bits, copied into every class. */
static unsigned copied(unsigned mode, char from)
{
    unsigned v = (mode >> (from == 'u' ? 6 : from == 'g' ? 3 : 0)) & 7;
    return v << 6 | v << 3 | v;
}

unsigned mode_apply(const struct mode_change *change, unsigned old, bool is_dir)
{
    unsigned mode = old & 07777;
    for (size_t i = 0; i < change->count; i++) {
        const struct mode_clause *c = &change->clauses[i];
        unsigned perms = c->copy_from ? copied(mode, c->copy_from) : c->perms;
        if (c->cond_exec && (is_dir || (mode & 0111)))
            perms |= 0111;
        perms &= c->who;
        if (c->op == '+') {
            mode |= perms;
        } else if (c->op == '-') {
            mode &= ~perms;
        } else {
            /* As chmod(1): '=' keeps a directory's set-id bits unless it names them. */
            unsigned cleared = c->who & (is_dir ? 01777u : 07777u);
            mode = (mode & ~cleared) | perms;
        }
    }
    return mode;
}
