// What the C timing scripts share: a monotonic clock in seconds and a 64-byte aligned matrix of
// uniform values in [−0.5, 0.5]. Included by the scripts beside it; nothing to link.
#ifndef SIMBA_SCRIPTS_TIMING_H
#define SIMBA_SCRIPTS_TIMING_H

#include <stdlib.h>
#include <time.h>

static inline double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

static inline float *randomMatrix(size_t count) {
    float *p = aligned_alloc(64, (count * sizeof(float) + 63) / 64 * 64);
    for (size_t i = 0; i < count; i++) p[i] = rand() / (float)RAND_MAX - 0.5f;
    return p;
}

#endif
