// Clang builtins that Swift lacks (vector square root and scaling, cache prefetch), as inline
// functions on clang vector types (Swift imports `ext_vector_type(16)` float as SIMD16<Float>).
// Header only: nothing to link.
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

// p·2^n for every lane, n integral. With AVX-512 one `vscalefps`: exact while the result is a normal
// float, denormal or 0 below that, inf above. Elsewhere the exponent bits of 2^n are built with n
// clamped to [−126, 127], so results below the normal range are p·2^−126 instead.
#if defined(__AVX512F__)
typedef float simba_v16sf __attribute__((vector_size(64)));
static inline __attribute__((always_inline)) simba_float16 simba_scale16(simba_float16 p, simba_float16 n) {
    // Mask all ones: every lane scaled; 4 = _MM_FROUND_CUR_DIRECTION.
    return (simba_float16)__builtin_ia32_scalefps512_mask(
        (simba_v16sf)p, (simba_v16sf)n, (simba_v16sf)p, (unsigned short)0xFFFF, 4);
}
#else
typedef int simba_int16 __attribute__((ext_vector_type(16)));
static inline __attribute__((always_inline)) simba_float16 simba_scale16(simba_float16 p, simba_float16 n) {
    simba_float16 clamped = __builtin_elementwise_min(
        __builtin_elementwise_max(n, (simba_float16)(-126.0f)), (simba_float16)(127.0f));
    simba_int16 bits = (__builtin_convertvector(clamped, simba_int16) + 127) << 23;
    return p * (simba_float16)bits;
}
#endif

#endif
