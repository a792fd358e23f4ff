// SimbaCore's importers see SimbaRuntime too (the thread pool, BLAS, FFT, the CPU level and the
// kernel contracts), as if it were part of this module. Nothing else here.

@_exported import SimbaRuntime
