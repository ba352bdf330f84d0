/* Strict parsers for option values: the whole string must be valid, or it is rejected. */
#ifndef WARDEN_PARSE_H
#define WARDEN_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Decimal digits only (no sign, no spaces), value <= max. 0 on success, -1 otherwise. */
int parse_unsigned(const char *text, unsigned long max, unsigned long *out);

/* Seconds with an optional fraction ("5", "0.25"), at most max_seconds; result in ns. */
int parse_duration(const char *text, unsigned long max_seconds, uint64_t *out_ns);

/* parse_duration for an option's value, with the message every duration option gives: on
 * -1, why says whether text is no number or out of range, and the range ("give seconds from
 * 0 to 31536000, like 5 or 0.5"). above_zero: 0 itself is refused too. */
int parse_seconds(const char *text, unsigned long max_seconds, bool above_zero, uint64_t *out_ns,
                  char *why, size_t why_size);

/* "FROM:TO" split at the single colon into two non-empty parts, copied into the buffers. */
int parse_pair(const char *text, char *from, char *to, unsigned long size);

/* 1 to 16 hex digits at text, as /proc/PID/status writes masks; *end after them. */
int parse_hex_mask(const char *text, uint64_t *out, const char **end);

/* Whether an environment entry is one of warden's own (WARDEN_...). */
int env_is_warden(const char *entry);

/* The next item of a comma-separated list (empty items count): *cursor starts at the
 * list, moves past each item, and is NULL after the last. False once there is none left. */
bool list_next(const char **cursor, const char **item, size_t *len);

/* The value of NAME in an environment array (envp style), or NULL if it is absent. */
const char *env_lookup(char **envp, const char *name);

/* How many one-letter edits (insert, delete, replace, swap two neighbours) turn a into b,
 * for "did you mean" hints; SIZE_MAX when either is longer than 64 characters. */
size_t text_distance(const char *a, const char *b);

#endif
