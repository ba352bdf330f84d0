/* The program the config names: started with the personality's rules, and its status
 * turned into warden's exit code. */
#ifndef WARDEN_PROGRAM_H
#define WARDEN_PROGRAM_H

#include <signal.h>
#include <stdbool.h>
#include <sys/types.h>

#include "config.h"

struct program {
    pid_t pid;
    int exec_errno;         /* 0, or why exec failed (the child has exited, still to be reaped) */
    bool gave_terminal;     /* the program's group holds the terminal's foreground */
    bool stopped_unhealthy; /* warden stopped it (--on-unhealthy): exit EXIT_UNHEALTHY */
    bool failed;            /* warden could no longer supervise it (said): its failure code */
};

/* Starts cfg->command with child_mask. -1 (said) when no child could be made; an exec
 * failure is said, and is a started program that has already exited. */
int program_start(const struct config *cfg, const sigset_t *child_mask, struct program *out);

/* warden's exit code once the program's wait status is known: the exec failure codes,
 * the terminal handed back, EXIT_UNHEALTHY, --remap-exit (of the program's own codes). */
int program_exit_code(const struct config *cfg, const struct program *program, int status);

#endif
