/* From a wait status to warden's exit code. */
#ifndef WARDEN_EXIT_STATUS_H
#define WARDEN_EXIT_STATUS_H

#include "config.h"

/* --on-unhealthy stop (or restart past --restart-limit): warden stopped a program that
 * failed its health checks. Not 0, so restart policies act on it; beside warden's own
 * 125-127 and below the 128+N of signals, where programs' own codes rarely are (only
 * timeout(1) uses it, for the related "did not finish in time"). */
#define EXIT_UNHEALTHY       124
#define EXIT_WARDEN_FAILED   125
#define EXIT_CANNOT_EXECUTE  126
#define EXIT_COMMAND_MISSING 127

/* The program's exit code, or 128+N when it died of signal N. */
int exit_code_for_status(int wait_status);

#endif
