/* Prints CLOCK_MONOTONIC in nanoseconds: the program of the --wait-for benchmark, which
 * tells when it started. */
#include <stdio.h>
#include <time.h>

int main(void)
{
    struct timespec now;
    if (clock_gettime(CLOCK_MONOTONIC, &now) != 0)
        return 1;
    printf("%lld\n", (long long)now.tv_sec * 1000000000LL + now.tv_nsec);
    return 0;
}
