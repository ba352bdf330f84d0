/* The step between reading the options and changing anything: whether warden is allowed
 * to do what they ask (switch users, keep capabilities, change owners). */
#ifndef WARDEN_PERMISSIONS_H
#define WARDEN_PERMISSIONS_H

#include "config.h"
#include "users.h"

/* 0 when every later step has the privileges it needs; otherwise one error line that names
 * the reason (not root, a capability the container lacks) and the fix, and -1. user is
 * --user's resolved identity (ignored without --user). */
int permissions_check(const struct config *cfg, const struct identity *user);

#endif
