// CPULevel: the levels a CPU runs follow from its flags (a real one and fake ones), and SIMBA_CPU
// selects one of them or is refused with a message naming the value, the missing flags and the way out.

import Foundation
import SimbaCore
import Testing

@testable import SimbaRuntime

@Suite struct CPULevelTests {
    /// Every flag the levels need.
    static let allFlags = Set(CPULevel.allCases.flatMap(\.requiredFlags))
    /// An AVX2 CPU without AVX-512 (a Haswell, or a Zen 3).
    static let avx2CPU = allFlags.subtracting(CPULevel.avx512.requiredFlags)

    @Test("The levels are ordered baseline < avx2 < avx512 and each names its flags once")
    func ordering() {
        #expect(CPULevel.allCases == [.baseline, .avx2, .avx512])
        #expect(CPULevel.baseline < .avx2 && CPULevel.avx2 < .avx512 && !(CPULevel.avx512 < .avx2))
        let flags = CPULevel.allCases.flatMap(\.requiredFlags)
        #expect(Set(flags).count == flags.count)
        #expect(Set(CPULevel.flagBits.map(\.name)) == Set(flags))
        #expect(Set(CPULevel.flagBits.map(\.bit)).count == flags.count)
    }

    @Test("A CPU runs a level exactly when it has that level's flags and every lower level's")
    func supportedFollowsTheFlags() {
        #expect(CPULevel.supported(cpuFlags: Self.allFlags) == [.baseline, .avx2, .avx512])
        #expect(CPULevel.supported(cpuFlags: Self.avx2CPU) == [.baseline, .avx2])
        #expect(CPULevel.supported(cpuFlags: Self.allFlags.subtracting(["fma"])) == [.baseline])
        #expect(CPULevel.supported(cpuFlags: ["sse", "sse2"]) == [.baseline])
        #expect(CPULevel.supported(cpuFlags: []) == [.baseline])
        // AVX-512 flags without AVX2 (no such CPU, but the rule must not skip a level).
        #expect(CPULevel.supported(cpuFlags: Set(["sse", "sse2"] + CPULevel.avx512.requiredFlags)) == [.baseline])
        #expect(CPULevel.missingFlags(for: .avx512, cpuFlags: Self.avx2CPU) == CPULevel.avx512.requiredFlags)
        #expect(
            CPULevel.missingFlags(for: .avx512, cpuFlags: Self.allFlags.subtracting(["fma", "avx512bw"]))
                == ["fma", "avx512bw"])
        #expect(CPULevel.missingFlags(for: .avx2, cpuFlags: Self.avx2CPU).isEmpty)
    }

    @Test("This CPU's levels agree with its flags in /proc/cpuinfo", .enabled(if: cpuinfoFlags() != nil))
    func detectionMatchesCpuinfo() throws {
        let listed = try #require(Self.cpuinfoFlags())
        for flag in Self.allFlags.sorted() {
            #expect(CPULevel.cpuFlags.contains(flag) == listed.contains(flag), "\(flag)")
        }
        #expect(CPULevel.supported.first == .baseline)
        #expect(CPULevel.best == CPULevel.supported.last)
        for level in CPULevel.allCases {
            #expect(CPULevel.supported.contains(level) == CPULevel.missingFlags(for: level).isEmpty, "\(level)")
        }
    }

    @Test("Unset or empty SIMBA_CPU selects the best level; a level the CPU runs selects itself")
    func selection() throws {
        #expect(try CPULevel.selected([:], cpuFlags: Self.avx2CPU) == .avx2)
        #expect(try CPULevel.selected(["SIMBA_CPU": ""], cpuFlags: Self.allFlags) == .avx512)
        #expect(try CPULevel.selected(["SIMBA_CPU": "baseline"], cpuFlags: Self.avx2CPU) == .baseline)
        #expect(try CPULevel.selected(["SIMBA_CPU": "avx2"], cpuFlags: Self.allFlags) == .avx2)
        #expect(try CPULevel.selected([:]) == CPULevel.best)
        for level in CPULevel.supported {
            #expect(try CPULevel.selected(["SIMBA_CPU": level.rawValue]) == level)
        }
    }

    @Test("SIMBA_CPU naming a level the CPU lacks names the missing flags and the levels it runs")
    func lackingLevelRefused() {
        let error = #expect(throws: EnvironmentError.self) {
            try CPULevel.selected(["SIMBA_CPU": "avx512"], cpuFlags: Self.avx2CPU)
        }
        let message = error?.description ?? ""
        #expect(message.contains("SIMBA_CPU is 'avx512'"), "\(message)")
        #expect(message.contains("lacks avx512f avx512bw avx512cd avx512dq avx512vl"), "\(message)")
        #expect(message.contains("runs (baseline, avx2)"), "\(message)")
        #expect(message.contains("unset it"), "\(message)")
        let noFMA = #expect(throws: EnvironmentError.self) {
            try CPULevel.selected(["SIMBA_CPU": "avx2"], cpuFlags: Self.avx2CPU.subtracting(["fma", "f16c"]))
        }
        #expect(noFMA?.description.contains("lacks f16c fma,") == true, "\(noFMA?.description ?? "")")
        #expect(noFMA?.description.contains("runs (baseline)") == true, "\(noFMA?.description ?? "")")
    }

    @Test(
        "SIMBA_CPU that names no level is refused, quoted and cut short",
        arguments: ["AVX2", "avx", "native", " avx2", "x86-64-v3", String(repeating: "z", count: 500), "a\u{1B}[2J"])
    func unknownLevelRefused(_ value: String) {
        let error = #expect(throws: EnvironmentError.self) {
            try CPULevel.selected(["SIMBA_CPU": value], cpuFlags: Self.allFlags)
        }
        let message = error?.description ?? ""
        #expect(message.contains("SIMBA_CPU is \(quoted(value))"), "\(message)")
        #expect(message.contains("baseline, avx2 or avx512"), "\(message)")
        #expect(message.count < 400, "\(message)")
        #expect(!message.contains("\u{1B}"), "\(message)")
    }

    /// The flags of the first processor in /proc/cpuinfo, or nil where there is none.
    static func cpuinfoFlags() -> Set<String>? {
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
            let line = text.split(separator: "\n").first(where: { $0.hasPrefix("flags") }),
            let colon = line.firstIndex(of: ":")
        else { return nil }
        return Set(line[line.index(after: colon)...].split(separator: " ").map(String.init))
    }
}
