#include "clock.h"

#include <sys/syscall.h>
#include <unistd.h>

/* musl on 32-bit machines has a 64-bit time_t and names only the 64-bit call (glibc there
 * keeps a 32-bit time_t by default, and the call that matches it). */
#ifndef SYS_clock_gettime
#define SYS_clock_gettime SYS_clock_gettime64
#endif

struct timespec clock_now(void)
{
    struct timespec now;
    /* The system call, not the vDSO: warden reads the clock a handful of times in a
     * container's life, and the vDSO's first use faults in pages of its own (over 100 us
     * in a VM, measured) right after a SIGTERM is forwarded, while the program it woke
     * waits for this CPU. CLOCK_MONOTONIC cannot fail with a valid pointer on Linux. */
    syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &now);
    return now;
}

struct timespec clock_after_ns(uint64_t ns)
{
    return clock_add_ns(clock_now(), ns);
}

struct timespec clock_add_ns(struct timespec t, uint64_t ns)
{
    t.tv_sec += (time_t)(ns / 1000000000u);
    t.tv_nsec += (long)(ns % 1000000000u);
    if (t.tv_nsec >= 1000000000L) {
        t.tv_sec++;
        t.tv_nsec -= 1000000000L;
    }
    return t;
}

bool clock_passed(const struct timespec *deadline)
{
    struct timespec left = clock_until(deadline);
    return left.tv_sec == 0 && left.tv_nsec == 0;
}

struct timespec clock_until(const struct timespec *deadline)
{
    struct timespec now = clock_now(), left = {0, 0};
    if (now.tv_sec > deadline->tv_sec ||
        (now.tv_sec == deadline->tv_sec && now.tv_nsec >= deadline->tv_nsec))
        return left;
    left.tv_sec = deadline->tv_sec - now.tv_sec;
    left.tv_nsec = deadline->tv_nsec - now.tv_nsec;
    if (left.tv_nsec < 0) {
        left.tv_sec--;
        left.tv_nsec += 1000000000L;
    }
    return left;
}

uint64_t clock_elapsed_ns(const struct timespec *since)
{
    struct timespec now = clock_now();
    return (uint64_t)(now.tv_sec - since->tv_sec) * 1000000000u +
           (uint64_t)(now.tv_nsec - since->tv_nsec);
}
