/* --secret-env: NAME from the file that NAME_FILE names, read while warden is still root,
 * and NAME_FILE gone from the program's environment. */
#ifndef WARDEN_SECRETS_H
#define WARDEN_SECRETS_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"

/* A single environment string may not exceed 128 KiB (the kernel's MAX_ARG_STRLEN), and
 * all of them share about a quarter of the stack limit: half of the former leaves room
 * for several secrets, and far more than a password, a token or a PEM key needs. */
#define SECRET_MAX_BYTES ((size_t)64 * 1024)

enum secret_problem { SECRET_OK, SECRET_TOO_BIG, SECRET_HAS_NUL };

/* What is wrong with len bytes read from a secret file (len > SECRET_MAX_BYTES: too big). */
enum secret_problem secret_check(const char *data, size_t len);

/* len without exactly one trailing newline, if there is one ("\r" and blanks stay). */
size_t secret_trimmed_length(const char *data, size_t len);

/* A name --secret-env takes: letters, digits and '_', not starting with a digit, not one of
 * warden's own WARDEN_* variables. */
bool secret_name_valid(const char *name);

/* The directory of a DIR-star (DIR, a slash, a star) value (every NAME_FILE that names a file in
 * DIR), as a length of spec; 0 when spec is not of that form. */
size_t secret_directory_length(const char *spec);

/* For each --secret-env value: NAME set from its file and NAME_FILE unset, in warden's own
 * environment, which the program inherits. -1 after one error line (the value is never
 * said); nothing is half-set that the program could see, as warden then exits. */
int secrets_load(const struct config *cfg);

#endif
