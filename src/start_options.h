/* The handlers of what is set up before the program starts (required and secret
 * variables, the umask, the dependencies to wait for), for the option table in options.c. */
#ifndef WARDEN_START_OPTIONS_H
#define WARDEN_START_OPTIONS_H

#include "options.h"

option_handler on_require_env, on_secret_env, on_umask, on_wait_for, on_wait_timeout;
void reset_require_env(struct config *cfg);
void reset_secret_env(struct config *cfg);
void reset_wait_for(struct config *cfg);

#endif
