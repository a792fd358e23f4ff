// Makes OpenBLAS use this CPU's best kernels: OpenBLAS 0.3.21 mis-detects recent CPUs as
// "Prescott" (SSE3) and picks its kernels when it loads, before `main`, so the process re-executes
// itself once with OPENBLAS_CORETYPE set. A user's own OPENBLAS_CORETYPE is left alone.

import Foundation

public enum BLASKernelSelection {
    /// Set in the re-executed process so it never loops.
    static let marker = "SIMBA_BLAS_REEXEC"

    /// The OpenBLAS core type for this CPU from its feature flags, or nil to leave the choice to
    /// OpenBLAS. AVX-512 (F, BW, DQ, VL) → SkylakeX; AVX2 with FMA → Haswell.
    public static func coreType(cpuFlags: Set<String>) -> String? {
        if ["avx512f", "avx512bw", "avx512dq", "avx512vl"].allSatisfy(cpuFlags.contains) { return "SkylakeX" }
        if cpuFlags.contains("avx2") && cpuFlags.contains("fma") { return "Haswell" }
        return nil
    }

    /// The flags line of /proc/cpuinfo (empty where there is none).
    static func cpuFlags() -> Set<String> {
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else { return [] }
        for line in text.split(separator: "\n") where line.hasPrefix("flags") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            return Set(line[line.index(after: colon)...].split(separator: " ").map(String.init))
        }
        return []
    }

    /// Re-executes this binary with OPENBLAS_CORETYPE set when the user has not set it and the CPU
    /// supports better kernels than OpenBLAS would pick. Returns (and goes on) when nothing is to
    /// do or the re-exec fails.
    public static func reexecIfNeeded() {
        let environment = ProcessInfo.processInfo.environment
        if environment["OPENBLAS_CORETYPE"] != nil || environment[marker] != nil { return }
        guard let core = coreType(cpuFlags: cpuFlags()) else { return }
        setenv("OPENBLAS_CORETYPE", core, 1)
        setenv(marker, "1", 1)
        let arguments = CommandLine.arguments
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) }
        argv.append(nil)
        execv("/proc/self/exe", argv)
        // execv only returns on failure: carry on with the kernels OpenBLAS chose.
        unsetenv("OPENBLAS_CORETYPE")
        unsetenv(marker)
        for pointer in argv { free(pointer) }
    }

    /// Where the kernel choice came from, for `simba info`.
    public static var origin: String {
        let environment = ProcessInfo.processInfo.environment
        if environment[marker] != nil { return "chosen by simba from the CPU flags" }
        if environment["OPENBLAS_CORETYPE"] != nil { return "set by the user (OPENBLAS_CORETYPE)" }
        return "detected by OpenBLAS"
    }
}
