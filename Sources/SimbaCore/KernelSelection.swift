// Which CPU level's kernels run: the best this CPU has, or the level SIMBA_CPU names, chosen once
// at start-up. It does not detect the CPU (CPULevel) or implement any kernel (SimbaKernels*).

import SimbaKernelsAVX2
import SimbaKernelsAVX512
import SimbaKernelsBaseline

extension Kernels {
    /// The kernels compiled for `level`. Running them needs a CPU with that level
    /// (`CPULevel.supported`); tests use this to check every level the machine has.
    public static func at(_ level: CPULevel) -> Kernels {
        switch level {
        case .baseline: SimbaKernelsBaseline.levelKernels
        case .avx2: SimbaKernelsAVX2.levelKernels
        case .avx512: SimbaKernelsAVX512.levelKernels
        }
    }

    /// The kernels in use: the best level this CPU runs until `select` is called. Read it at each
    /// kernel call, never per element; set it only through `select`, before any model runs.
    public nonisolated(unsafe) private(set) static var current = at(CPULevel.best)

    /// Sets `current` from SIMBA_CPU in `environment` (the best level when unset), or throws the
    /// error `CPULevel.selected` gives for a bad or unsupported value, leaving `current` unchanged.
    @discardableResult
    public static func select(_ environment: [String: String]) throws -> Kernels {
        current = at(try CPULevel.selected(environment))
        return current
    }
}
