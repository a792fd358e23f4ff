// The CPU level this test target checks: its kernels module is that level's compilation of
// Sources/SimbaKernels. Every suite here runs only where the CPU has the level.

import SimbaCore

#if SIMBA_KERNELS_AVX512
    let testedLevel = CPULevel.avx512
#elseif SIMBA_KERNELS_AVX2
    let testedLevel = CPULevel.avx2
#else
    let testedLevel = CPULevel.baseline
#endif

/// Whether this machine can run `testedLevel`'s code (the suites' `.enabled(if:)` condition).
let testedLevelRuns = CPULevel.supported.contains(testedLevel)
