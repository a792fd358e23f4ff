// What the C timing scripts share: a monotonic clock, a 64-byte aligned random matrix in [−0.5, 0.5]
// and the fastest time per phase. Included by the scripts beside it; nothing to link.
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

// best[i] = min(best[i], t[i + 1] − t[i]) for the `phases` intervals between the clock reads t[0…phases].
static inline void keepFastest(double *best, const double *t, int phases) {
    for (int i = 0; i < phases; i++)
        if (t[i + 1] - t[i] < best[i]) best[i] = t[i + 1] - t[i];
}

#endif
