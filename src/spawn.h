/* Starting the program: fork, its own process group, the terminal, exec. */
#ifndef WARDEN_SPAWN_H
#define WARDEN_SPAWN_H

#include <signal.h>
#include <stdbool.h>
#include <sys/types.h>

struct spawn_request {
    char **argv;
    const sigset_t *child_mask; /* the mask the program starts with */
    bool give_terminal;         /* make the child's group the terminal's foreground */
    bool new_session;           /* setsid instead of a new group (dumb-init) */
    bool set_umask;             /* --umask: the program's, set in the child alone */
    mode_t umask;
    bool shell_for_binaries; /* a file without #! goes to /bin/sh even when it is an ELF
                              * binary (for another machine), as glibc's execvp does */
};

enum spawn_result { SPAWN_STARTED, SPAWN_EXEC_FAILED, SPAWN_FORK_FAILED };

/* Starts req->argv as glibc's execvp does (PATH, and a file without #! run by /bin/sh),
 * with a group or session of its own. On SPAWN_EXEC_FAILED *exec_errno tells why and the child has
 * exited 126 or 127 (still to be reaped). */
enum spawn_result spawn_program(const struct spawn_request *req, pid_t *pid, int *exec_errno);

/* True when stdin is a terminal whose foreground group is warden's own. */
bool spawn_should_give_terminal(void);

/* The exit status a shell uses when exec fails with err. */
int spawn_exec_failure_status(int err);

#endif
