/* The processes that remain besides the main program: adopted orphans, daemons it
 * started, grandchildren that called setsid. */
#ifndef WARDEN_LEFTOVERS_H
#define WARDEN_LEFTOVERS_H

#include <stdbool.h>

#include <sys/types.h>

/* Sends sig to every process warden answers for: as PID 1 of its namespace, all other
 * processes in it; otherwise only warden's own descendants (found through /proc), never
 * anything outside its tree. Members of process group except_pgrp (when not 0) are left
 * out: they already got sig. Returns how many were signalled (1 stands for "some" as
 * PID 1 without an exception), or -1 when they could not be listed (said unless quiet). */
int leftovers_signal(int sig, bool is_pid1, pid_t except_pgrp, bool quiet);

/* How many processes leftovers_signal would reach now (counting the main program when it
 * runs), listed through /proc even as PID 1; -1 when they could not be listed. */
int leftovers_count(bool is_pid1);

#endif
