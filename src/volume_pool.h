/* A few helper threads for the volume walk. They are a speed-up only: a helper that cannot
 * start leaves its share to the others. */
#ifndef WARDEN_VOLUME_POOL_H
#define WARDEN_VOLUME_POOL_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

#define POOL_MAX 4

struct pool {
    pthread_t threads[POOL_MAX];
    bool started[POOL_MAX];
    size_t count;
};

/* How many threads (the caller included) are worth running here: one per online core, at
 * most POOL_MAX. */
size_t pool_size_wanted(void);

/* Starts count threads running fn(args[i]); args is an array of count elements of
 * arg_size bytes. Returns how many started. */
size_t pool_start(struct pool *pool, size_t count, void *(*fn)(void *), void *args,
                  size_t arg_size);

/* Waits for every thread pool_start started. */
void pool_join(struct pool *pool);

#endif
