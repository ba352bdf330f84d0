/* CLOCK_MONOTONIC deadlines: the grace period is the only timer warden has. */
#ifndef WARDEN_CLOCK_H
#define WARDEN_CLOCK_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

struct timespec clock_now(void);
struct timespec clock_after_ns(uint64_t ns);
/* t moved ns later. */
struct timespec clock_add_ns(struct timespec t, uint64_t ns);
/* Whether deadline has come. */
bool clock_passed(const struct timespec *deadline);
/* Time left until deadline, zero when it has passed. */
struct timespec clock_until(const struct timespec *deadline);
uint64_t clock_elapsed_ns(const struct timespec *since);

#endif
