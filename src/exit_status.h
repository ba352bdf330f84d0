/* From a wait status to warden's exit code. */
#ifndef WARDEN_EXIT_STATUS_H
#define WARDEN_EXIT_STATUS_H

#include "config.h"

#define EXIT_WARDEN_FAILED   125
#define EXIT_CANNOT_EXECUTE  126
#define EXIT_COMMAND_MISSING 127

/* The program's exit code, or 128+N when it died of signal N. */
int exit_code_for_status(int wait_status);

#endif
