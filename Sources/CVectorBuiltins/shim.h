// Clang builtins that Swift lacks (vector square root, fraction and scaling, cache prefetch, spin
// pause, the CPU's feature flags), as inline functions on clang vector types (Swift imports
// `ext_vector_type(16)` float as SIMD16<Float>). Header only: nothing to link.
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

// Tells the CPU that this thread is spinning on a flag (`pause` on x86): the loop stops flooding the
// core with speculative loads, leaving its resources to whatever shares the core.
static inline __attribute__((always_inline)) void simba_spin_pause(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __builtin_arm_yield();
#endif
}

// x − ⌊x⌋ ∈ [0, 1) and p·2^⌊x⌋ for every lane: the two halves of 2^x = 2^(x − ⌊x⌋)·2^⌊x⌋.
// With AVX-512 each is one instruction, `vreduceps` (AVX-512DQ) and `vscalefps`: exact while the
// result is a normal float, denormal or 0 below that, inf above. Elsewhere x is first clamped to
// [−126, 127] (so below the normal range the pair gives 2^−126 instead) and ⌊x⌋ is x rounded through
// 1.5·2^23, minus 1 where that rounded up; 2^⌊x⌋ is built in the exponent bits.
#if defined(__AVX512F__) && defined(__AVX512DQ__)
typedef float simba_v16sf __attribute__((vector_size(64)));
static inline __attribute__((always_inline)) simba_float16 simba_fraction16(simba_float16 x) {
    // imm8 1: keep no fraction bits of the rounded value, round down; mask all ones: every lane;
    // 4 = _MM_FROUND_CUR_DIRECTION.
    return (simba_float16)__builtin_ia32_reduceps512_mask(
        (simba_v16sf)x, 1, (simba_v16sf)x, (unsigned short)0xFFFF, 4);
}
static inline __attribute__((always_inline)) simba_float16 simba_scale16(simba_float16 p, simba_float16 x) {
    return (simba_float16)__builtin_ia32_scalefps512_mask(
        (simba_v16sf)p, (simba_v16sf)x, (simba_v16sf)p, (unsigned short)0xFFFF, 4);
}
#else
typedef int simba_int16 __attribute__((ext_vector_type(16)));
static inline __attribute__((always_inline)) simba_float16 simba_clamp_exponent16(simba_float16 x) {
    return __builtin_elementwise_min(
        __builtin_elementwise_max(x, (simba_float16)(-126.0f)), (simba_float16)(127.0f));
}
// ⌊c⌋ for c in [−126, 127]: one `roundps` (round down) where the CPU has SSE4.1 (every AVX2 CPU);
// otherwise c rounded through 1.5·2^23, which is exact there, minus 1 where that rounded up.
static inline __attribute__((always_inline)) simba_float16 simba_floor_clamped16(simba_float16 c) {
#if defined(__SSE4_1__)
    return __builtin_elementwise_floor(c);
#else
    simba_float16 rounded = (c + 12582912.0f) - 12582912.0f;
    // A comparison gives −1 (all bits set) where true, as an integer lane.
    return rounded + __builtin_convertvector(rounded > c, simba_float16);
#endif
}
static inline __attribute__((always_inline)) simba_float16 simba_fraction16(simba_float16 x) {
    simba_float16 clamped = simba_clamp_exponent16(x);
    return clamped - simba_floor_clamped16(clamped);
}
// p·2^k as k = ⌊x⌋ added to p's exponent bits: for p in [1, 2) (what exp2 passes) and k in
// [−126, 127] the result is a normal float, and the same bits as the product p·2^k.
static inline __attribute__((always_inline)) simba_float16 simba_scale16(simba_float16 p, simba_float16 x) {
    simba_float16 exponent = simba_floor_clamped16(simba_clamp_exponent16(x));
    simba_int16 shift = __builtin_convertvector(exponent, simba_int16) << 23;
    return (simba_float16)((simba_int16)p + shift);
}
#endif

// The CPU feature flags simba's kernel levels need, one bit each in simba_cpu_flags(): bit
// SIMBA_CPU_AVX2 is set when the CPU has AVX2, and so on (names as /proc/cpuinfo spells them in
// CPULevel.swift).
enum {
    SIMBA_CPU_SSE, SIMBA_CPU_SSE2, SIMBA_CPU_SSE3, SIMBA_CPU_SSSE3, SIMBA_CPU_SSE4_1, SIMBA_CPU_SSE4_2,
    SIMBA_CPU_POPCNT, SIMBA_CPU_CX16, SIMBA_CPU_LAHF_LM, SIMBA_CPU_AVX, SIMBA_CPU_AVX2, SIMBA_CPU_BMI1,
    SIMBA_CPU_BMI2, SIMBA_CPU_F16C, SIMBA_CPU_FMA, SIMBA_CPU_LZCNT, SIMBA_CPU_MOVBE, SIMBA_CPU_AVX512F,
    SIMBA_CPU_AVX512BW, SIMBA_CPU_AVX512CD, SIMBA_CPU_AVX512DQ, SIMBA_CPU_AVX512VL
};

// The flags of the CPU this runs on, checked at run time whatever -march this header is compiled
// with: __builtin_cpu_supports reads what the runtime's __cpu_model found with cpuid, and sets the
// AVX and AVX-512 flags only where the OS saves those registers (XGETBV). CMPXCHG16B and LAHF/SAHF,
// which it cannot name, are read with cpuid directly (no register state involved). 0 elsewhere.
static inline unsigned long long simba_cpu_flags(void) {
#if defined(__x86_64__)
    __builtin_cpu_init();
    unsigned long long flags = 0;
    flags |= (unsigned long long)(__builtin_cpu_supports("sse") != 0) << SIMBA_CPU_SSE;
    flags |= (unsigned long long)(__builtin_cpu_supports("sse2") != 0) << SIMBA_CPU_SSE2;
    flags |= (unsigned long long)(__builtin_cpu_supports("sse3") != 0) << SIMBA_CPU_SSE3;
    flags |= (unsigned long long)(__builtin_cpu_supports("ssse3") != 0) << SIMBA_CPU_SSSE3;
    flags |= (unsigned long long)(__builtin_cpu_supports("sse4.1") != 0) << SIMBA_CPU_SSE4_1;
    flags |= (unsigned long long)(__builtin_cpu_supports("sse4.2") != 0) << SIMBA_CPU_SSE4_2;
    flags |= (unsigned long long)(__builtin_cpu_supports("popcnt") != 0) << SIMBA_CPU_POPCNT;
    flags |= (unsigned long long)(__builtin_cpu_supports("avx") != 0) << SIMBA_CPU_AVX;
    flags |= (unsigned long long)(__builtin_cpu_supports("avx2") != 0) << SIMBA_CPU_AVX2;
    flags |= (unsigned long long)(__builtin_cpu_supports("bmi") != 0) << SIMBA_CPU_BMI1;
    flags |= (unsigned long long)(__builtin_cpu_supports("bmi2") != 0) << SIMBA_CPU_BMI2;
    flags |= (unsigned long long)(__builtin_cpu_supports("f16c") != 0) << SIMBA_CPU_F16C;
    flags |= (unsigned long long)(__builtin_cpu_supports("fma") != 0) << SIMBA_CPU_FMA;
    flags |= (unsigned long long)(__builtin_cpu_supports("lzcnt") != 0) << SIMBA_CPU_LZCNT;
    flags |= (unsigned long long)(__builtin_cpu_supports("movbe") != 0) << SIMBA_CPU_MOVBE;
    flags |= (unsigned long long)(__builtin_cpu_supports("avx512f") != 0) << SIMBA_CPU_AVX512F;
    flags |= (unsigned long long)(__builtin_cpu_supports("avx512bw") != 0) << SIMBA_CPU_AVX512BW;
    flags |= (unsigned long long)(__builtin_cpu_supports("avx512cd") != 0) << SIMBA_CPU_AVX512CD;
    flags |= (unsigned long long)(__builtin_cpu_supports("avx512dq") != 0) << SIMBA_CPU_AVX512DQ;
    flags |= (unsigned long long)(__builtin_cpu_supports("avx512vl") != 0) << SIMBA_CPU_AVX512VL;
    unsigned int eax, ebx, ecx, edx;
    // Leaf 1, ECX bit 13: CMPXCHG16B. Leaf 0x80000001, ECX bit 0: LAHF/SAHF in 64-bit mode.
    __asm__("cpuid" : "=a"(eax), "=b"(ebx), "=c"(ecx), "=d"(edx) : "a"(1u), "c"(0u));
    flags |= (unsigned long long)((ecx >> 13) & 1) << SIMBA_CPU_CX16;
    __asm__("cpuid" : "=a"(eax), "=b"(ebx), "=c"(ecx), "=d"(edx) : "a"(0x80000000u), "c"(0u));
    if (eax >= 0x80000001u) {
        __asm__("cpuid" : "=a"(eax), "=b"(ebx), "=c"(ecx), "=d"(edx) : "a"(0x80000001u), "c"(0u));
        flags |= (unsigned long long)(ecx & 1) << SIMBA_CPU_LAHF_LM;
    }
    return flags;
#else
    return 0;
#endif
}

#endif
