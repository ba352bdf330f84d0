/* The processes that remain besides the main program: adopted orphans, daemons it
 * started, grandchildren that called setsid. */
#ifndef WARDEN_LEFTOVERS_H
#define WARDEN_LEFTOVERS_H

#include <stdbool.h>

/* Sends sig to every process warden answers for: as PID 1 of its namespace, all other
 * processes in it; otherwise only warden's own descendants (found through /proc), never
 * anything outside its tree. Returns how many were signalled (1 stands for "some" as
 * PID 1), or -1 when they could not be listed. */
int leftovers_signal(int sig, bool is_pid1);

#endif
