// Clang builtins that Swift lacks (vector square root, cache prefetch), as inline functions on clang vector types
// (Swift imports `ext_vector_type(16)` float as SIMD16<Float>). Header only: nothing to link.
#ifndef SIMBA_VECTOR_BUILTINS_H
#define SIMBA_VECTOR_BUILTINS_H

typedef float simba_float16 __attribute__((ext_vector_type(16)));

// The correctly rounded square root of every lane, as one vector instruction where the CPU has it.
// Swift's Float.squareRoot() goes through libm's errno-setting sqrtf, which keeps it scalar even
// inside SIMD16.squareRoot() (sixteen sqrtss with a branch each).
static inline __attribute__((always_inline)) simba_float16 simba_sqrt16(simba_float16 v) {
    return __builtin_elementwise_sqrt(v);
}

// Asks for the cache line at p ahead of its use (a hint: never faults, whatever p is).
static inline __attribute__((always_inline)) void simba_prefetch(const void *p) {
    __builtin_prefetch(p, 0, 3);
}

#endif
