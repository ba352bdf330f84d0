/* CLOCK_MONOTONIC deadlines: the grace period is the only timer warden has. */
#ifndef WARDEN_CLOCK_H
#define WARDEN_CLOCK_H

#include <stdint.h>
#include <time.h>

struct timespec clock_now(void);
struct timespec clock_after_ns(uint64_t ns);
/* Time left until deadline, zero when it has passed. */
struct timespec clock_until(const struct timespec *deadline);
uint64_t clock_elapsed_ns(const struct timespec *since);

#endif
