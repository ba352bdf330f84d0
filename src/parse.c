#include "parse.h"

#include <stdio.h>
#include <string.h>

int parse_unsigned(const char *text, unsigned long max, unsigned long *out)
{
    unsigned long value = 0;
    if (!text || !*text)
        return -1;
    for (const char *p = text; *p; p++) {
        if (*p < '0' || *p > '9')
            return -1;
        unsigned long digit = (unsigned long)(*p - '0');
        if (value > (max - digit) / 10)
            return -1;
        value = value * 10 + digit;
    }
    *out = value;
    return 0;
}

int parse_duration(const char *text, unsigned long max_seconds, uint64_t *out_ns)
{
    uint64_t seconds = 0, fraction_ns = 0, scale = 100000000;
    const char *p = text;
    if (!p || *p < '0' || *p > '9')
        return -1;
    for (; *p >= '0' && *p <= '9'; p++) {
        seconds = seconds * 10 + (uint64_t)(*p - '0');
        if (seconds > max_seconds)
            return -1;
    }
    if (*p == '.') {
        p++;
        if (*p < '0' || *p > '9')
            return -1;
        for (; *p >= '0' && *p <= '9'; p++) {
            /* Digits past nanoseconds are accepted and ignored. */
            fraction_ns += (uint64_t)(*p - '0') * scale;
            scale /= 10;
        }
    }
    if (*p != '\0')
        return -1;
    if (seconds == max_seconds && fraction_ns > 0)
        return -1;
    *out_ns = seconds * 1000000000u + fraction_ns;
    return 0;
}

/* Digits, optionally a point and more digits: a number of seconds, whatever its size. */
static bool looks_like_seconds(const char *p)
{
    if (*p < '0' || *p > '9')
        return false;
    p += strspn(p, "0123456789");
    if (*p == '.') {
        if (p[1] < '0' || p[1] > '9')
            return false;
        p += 1 + strspn(p + 1, "0123456789");
    }
    return *p == '\0';
}

int parse_seconds(const char *text, unsigned long max_seconds, bool above_zero, uint64_t *out_ns,
                  char *why, size_t why_size)
{
    uint64_t ns;
    if (text && parse_duration(text, max_seconds, &ns) == 0 && !(above_zero && ns == 0)) {
        *out_ns = ns;
        return 0;
    }
    /* Every duration option says its range the same way, whichever of them it is. */
    snprintf(why, why_size, "'%s' is %s: give seconds %s %lu, like 5 or 0.5", text ? text : "",
             text && looks_like_seconds(text) ? "out of range" : "not a number of seconds",
             above_zero ? "above 0, up to" : "from 0 to", max_seconds);
    return -1;
}

int parse_pair(const char *text, char *from, char *to, unsigned long size)
{
    const char *colon = strchr(text, ':');
    if (!colon || strchr(colon + 1, ':'))
        return -1;
    size_t from_len = (size_t)(colon - text), to_len = strlen(colon + 1);
    if (from_len == 0 || to_len == 0 || from_len >= size || to_len >= size)
        return -1;
    memcpy(from, text, from_len);
    from[from_len] = '\0';
    memcpy(to, colon + 1, to_len + 1);
    return 0;
}

bool list_next(const char **cursor, const char **item, size_t *len)
{
    if (!*cursor)
        return false;
    *item = *cursor;
    *len = strcspn(*cursor, ",");
    *cursor = (*cursor)[*len] ? *cursor + *len + 1 : NULL;
    return true;
}

int env_is_warden(const char *entry)
{
    return strncmp(entry, "WARDEN_", strlen("WARDEN_")) == 0;
}

const char *env_lookup(char **envp, const char *name)
{
    size_t len = strlen(name);
    for (char **e = envp; e && *e; e++)
        if ((*e)[0] == name[0] && strncmp(*e, name, len) == 0 && (*e)[len] == '=')
            return *e + len + 1;
    return NULL;
}

int parse_hex_mask(const char *text, uint64_t *out, const char **end)
{
    uint64_t value = 0;
    int digits = 0;
    for (;; text++, digits++) {
        unsigned int digit;
        if (*text >= '0' && *text <= '9')
            digit = (unsigned int)(*text - '0');
        else if (*text >= 'a' && *text <= 'f')
            digit = (unsigned int)(*text - 'a' + 10);
        else if (*text >= 'A' && *text <= 'F')
            digit = (unsigned int)(*text - 'A' + 10);
        else
            break;
        value = value << 4 | digit;
    }
    *end = text;
    if (digits == 0 || digits > 16)
        return -1;
    *out = value;
    return 0;
}

size_t text_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    /* Three rows of the table are enough for a swap of two neighbours to count as one. */
    size_t rows[3][65], *before = rows[0], *prev = rows[1], *cur = rows[2];
    if (la > 64 || lb > 64)
        return SIZE_MAX;
    for (size_t j = 0; j <= lb; j++)
        prev[j] = j;
    for (size_t i = 1; i <= la; i++) {
        cur[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t cost = a[i - 1] == b[j - 1] ? 0 : 1, best = prev[j - 1] + cost;
            if (prev[j] + 1 < best)
                best = prev[j] + 1;
            if (cur[j - 1] + 1 < best)
                best = cur[j - 1] + 1;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
                before[j - 2] + 1 < best)
                best = before[j - 2] + 1;
            cur[j] = best;
        }
        size_t *spare = before;
        before = prev, prev = cur, cur = spare;
    }
    return prev[lb];
}
