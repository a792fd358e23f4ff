// The instruction-set levels simba's kernels are compiled for, which of them this CPU runs (from its
// feature flags) and which one SIMBA_CPU asks for. It chooses no kernels itself.

import CVectorBuiltins

/// The instruction-set levels simba's kernels are compiled for, lowest first.
public enum CPULevel: String, CaseIterable, Comparable, Sendable {
    case baseline  // x86-64 (SSE2): any x86-64 CPU; no FMA
    case avx2  // x86-64-v3: AVX2 and FMA (with BMI1/2, F16C, LZCNT, MOVBE)
    case avx512  // x86-64-v4: AVX-512 F, BW, CD, DQ, VL

    /// The levels this CPU (and OS) can run, lowest first; always has .baseline.
    public static let supported: [CPULevel] = supported(cpuFlags: cpuFlags)

    /// The highest level this CPU runs: `supported.last`.
    public static var best: CPULevel { supported.last! }

    /// SIMBA_CPU in `environment` when set and non-empty (baseline|avx2|avx512), else `best`. An unknown
    /// name, or a level this CPU lacks, throws an EnvironmentError naming the variable, the value, the
    /// flags the CPU lacks and the levels it runs.
    public static func selected(_ environment: [String: String]) throws -> CPULevel {
        try selected(environment, cpuFlags: cpuFlags)
    }

    /// The CPU flags (as /proc/cpuinfo spells them) this level adds to the level below it; a level
    /// needs its own flags and those of every level below it. x86-64-v3 includes x86-64-v2 (SSE3 to
    /// SSE4.2, POPCNT, CMPXCHG16B, LAHF/SAHF), so the avx2 level lists those too; /proc/cpuinfo calls
    /// SSE3 `pni` and LZCNT `abm`.
    public var requiredFlags: [String] {
        switch self {
        case .baseline: ["sse", "sse2"]
        case .avx2:
            [
                "pni", "ssse3", "sse4_1", "sse4_2", "popcnt", "cx16", "lahf_lm",
                "avx", "avx2", "bmi1", "bmi2", "f16c", "fma", "abm", "movbe"
            ]
        case .avx512: ["avx512f", "avx512bw", "avx512cd", "avx512dq", "avx512vl"]
        }
    }

    /// The flags `level` and the levels below it need that this CPU lacks, lowest level first: empty
    /// exactly when the CPU runs `level` (or, on another architecture than x86-64, never).
    public static func missingFlags(for level: CPULevel) -> [String] {
        missingFlags(for: level, cpuFlags: cpuFlags)
    }

    /// Lower levels first, in the order of the cases.
    public static func < (a: CPULevel, b: CPULevel) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }

    // MARK: The same for any set of CPU flags (a test's fake CPU)

    /// The flags this CPU has among those the levels need, read once through `simba_cpu_flags`.
    static let cpuFlags: Set<String> = {
        let bits = simba_cpu_flags()
        return Set(flagBits.filter { bits & (1 << UInt64($0.bit)) != 0 }.map(\.name))
    }()

    /// Each flag of `requiredFlags` with its bit in `simba_cpu_flags()`.
    static let flagBits: [(name: String, bit: Int)] = [
        ("sse", SIMBA_CPU_SSE), ("sse2", SIMBA_CPU_SSE2), ("pni", SIMBA_CPU_SSE3), ("ssse3", SIMBA_CPU_SSSE3),
        ("sse4_1", SIMBA_CPU_SSE4_1), ("sse4_2", SIMBA_CPU_SSE4_2), ("popcnt", SIMBA_CPU_POPCNT),
        ("cx16", SIMBA_CPU_CX16), ("lahf_lm", SIMBA_CPU_LAHF_LM), ("avx", SIMBA_CPU_AVX), ("avx2", SIMBA_CPU_AVX2),
        ("bmi1", SIMBA_CPU_BMI1), ("bmi2", SIMBA_CPU_BMI2), ("f16c", SIMBA_CPU_F16C), ("fma", SIMBA_CPU_FMA),
        ("abm", SIMBA_CPU_LZCNT), ("movbe", SIMBA_CPU_MOVBE), ("avx512f", SIMBA_CPU_AVX512F),
        ("avx512bw", SIMBA_CPU_AVX512BW), ("avx512cd", SIMBA_CPU_AVX512CD), ("avx512dq", SIMBA_CPU_AVX512DQ),
        ("avx512vl", SIMBA_CPU_AVX512VL)
    ]

    /// `missingFlags(for:)` on a CPU with `cpuFlags`.
    static func missingFlags(for level: CPULevel, cpuFlags: Set<String>) -> [String] {
        allCases.filter { $0 <= level }.flatMap(\.requiredFlags).filter { !cpuFlags.contains($0) }
    }

    /// `supported` on a CPU with `cpuFlags`: .baseline (simba runs only on x86-64 CPUs, all of which
    /// have it), then each higher level whose flags and lower levels' flags the CPU all has.
    static func supported(cpuFlags: Set<String>) -> [CPULevel] {
        [.baseline] + allCases.dropFirst().filter { missingFlags(for: $0, cpuFlags: cpuFlags).isEmpty }
    }

    /// `selected(_:)` on a CPU with `cpuFlags`.
    static func selected(_ environment: [String: String], cpuFlags: Set<String>) throws -> CPULevel {
        let supported = supported(cpuFlags: cpuFlags)
        let names = supported.map(\.rawValue).joined(separator: ", ")
        guard let text = environment["SIMBA_CPU"], !text.isEmpty else { return supported.last! }
        guard let level = CPULevel(rawValue: text) else {
            throw EnvironmentError(
                description: "the environment variable SIMBA_CPU is \(quoted(text)); set it to one of the "
                    + "kernel levels baseline, avx2 or avx512 (this CPU runs \(names)), or unset it to use "
                    + "the best one")
        }
        guard supported.contains(level) else {
            let missing = missingFlags(for: level, cpuFlags: cpuFlags)
            throw EnvironmentError(
                description: "the environment variable SIMBA_CPU is \(quoted(text)), but this CPU lacks "
                    + "\(missing.joined(separator: " ")), which the \(level.rawValue) kernels need; set it to "
                    + "a level this CPU runs (\(names)), or unset it to use the best one")
        }
        return level
    }
}
