/* Signal names as users write them: TERM, SIGTERM, term, 15, RTMIN+2. */
#ifndef WARDEN_SIGNAMES_H
#define WARDEN_SIGNAMES_H

#include <stddef.h>

/* Returns the signal number, or -1 when text names no signal of this system. */
int signal_from_name(const char *text);

/* Writes the short name ("TERM", "RTMIN+2") of sig into buf and returns buf. */
const char *signal_to_name(int sig, char *buf, size_t size);

#endif
