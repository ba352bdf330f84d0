#include "volume_pool.h"

#include <unistd.h>

/* Walkers keep their state on the heap; a small stack is plenty. */
#define HELPER_STACK ((size_t)256 * 1024)

size_t pool_size_wanted(void)
{
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    if (cores < 1)
        return 1;
    return cores > POOL_MAX ? POOL_MAX : (size_t)cores;
}

size_t pool_start(struct pool *pool, size_t count, void *(*fn)(void *), void *args, size_t arg_size)
{
    pthread_attr_t attr;
    size_t started = 0;
    pool->count = 0;
    if (count > POOL_MAX)
        count = POOL_MAX;
    if (pthread_attr_init(&attr) != 0)
        return 0;
    if (pthread_attr_setstacksize(&attr, HELPER_STACK) == 0) {
        for (size_t i = 0; i < count; i++) {
            pool->started[i] =
                pthread_create(&pool->threads[i], &attr, fn, (char *)args + i * arg_size) == 0;
            started += pool->started[i];
        }
        pool->count = count;
    }
    pthread_attr_destroy(&attr);
    return started;
}

void pool_join(struct pool *pool)
{
    for (size_t i = 0; i < pool->count; i++)
        if (pool->started[i])
            pthread_join(pool->threads[i], NULL);
}
