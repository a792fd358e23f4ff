// SIMBA_CPU through SimbaCommand.run's environment: a name that is no kernel level, or a level this
// CPU lacks, stops every command before it runs; `simba info` prints the level in use and why.

import Foundation
import SimbaCore
import SimbaTestSupport
import Testing

@testable import SimbaCLI

@Suite("SIMBA_CPU is checked before a command runs and shown by simba info")
struct CPULevelEnvironmentTests {
    @Test(
        "A SIMBA_CPU that names no level is one error naming it, status 1, and the command does not run",
        arguments: ["AVX512", "avx", "v4", "baseline "])
    func unknownRefused(_ value: String) {
        let run = simba(["info"], environment: ["SIMBA_CPU": value])
        #expect(run.result == 1)
        #expect(run.errors.contains("SIMBA_CPU is '\(value)'"), "\(run.errors)")
        #expect(run.errors.contains("baseline, avx2 or avx512"), "\(run.errors)")
        #expect(run.errors.split(separator: "\n").count == 1, "\(run.errors)")
        #expect(!run.output.contains("Kernels:"), "simba info ran with SIMBA_CPU=\(value)")
    }

    @Test(
        "A level this CPU lacks is refused, naming the flags it lacks",
        .enabled(if: CPULevel.supported.count < CPULevel.allCases.count))
    func lackingRefused() {
        let level = CPULevel.allCases.last!
        let run = simba(["info"], environment: ["SIMBA_CPU": level.rawValue])
        #expect(run.result == 1)
        #expect(
            run.errors.contains("lacks \(CPULevel.missingFlags(for: level).joined(separator: " "))"),
            "\(run.errors)")
        #expect(!run.output.contains("Kernels:"))
    }

    @Test("Every level this CPU runs is accepted, and simba info says SIMBA_CPU set it")
    func forcedLevelShown() {
        for level in CPULevel.supported {
            let run = simba(["info"], environment: ["SIMBA_CPU": level.rawValue])
            #expect(run.result == 0, "\(run.errors)")
            let runs = CPULevel.supported.map(\.rawValue).joined(separator: ", ")
            #expect(
                run.output.contains("Kernels: \(level.rawValue) (set by SIMBA_CPU; this CPU runs \(runs))\n"),
                "\(run.output)")
        }
    }

    @Test("Unset or empty, simba info shows the best level and the CPU flags that give it", arguments: [nil, ""])
    func bestLevelShown(_ value: String?) {
        let environment = value.map { ["SIMBA_CPU": $0] } ?? [:]
        let run = simba(["info"], environment: environment)
        #expect(run.result == 0, "\(run.errors)")
        let best = CPULevel.best
        let line = "Kernels: \(best.rawValue) (best this CPU runs; CPU has \(best.requiredFlags.joined(separator: " "))"
        #expect(run.output.contains(line), "\(run.output)")
    }

    @Test("The info line of a CPU without AVX-512 names what it lacks")
    func lineOfAnAVX2CPU() {
        let lacking = CPULevel.avx512.requiredFlags
        let missing: (CPULevel) -> [String] = { $0 == .avx512 ? lacking : [] }
        let avx2CPU: [CPULevel] = [.baseline, .avx2]
        let line = InfoCommand.kernelLine(.avx2, forced: false, supported: avx2CPU, missingFlags: missing)
        let avx2Flags = CPULevel.avx2.requiredFlags.joined(separator: " ")
        #expect(
            line == "Kernels: avx2 (best this CPU runs; CPU has \(avx2Flags); "
                + "lacks avx512f avx512bw avx512cd avx512dq avx512vl)")
        let forced = InfoCommand.kernelLine(.baseline, forced: true, supported: avx2CPU, missingFlags: missing)
        #expect(forced == "Kernels: baseline (set by SIMBA_CPU; this CPU runs baseline, avx2)")
        let top = InfoCommand.kernelLine(
            .avx512, forced: false, supported: CPULevel.allCases,
            missingFlags: { _ in [] })
        #expect(top == "Kernels: avx512 (best this CPU runs; CPU has avx512f avx512bw avx512cd avx512dq avx512vl)")
        // Another architecture: no x86 flag at all.
        let none: (CPULevel) -> [String] = { level in
            CPULevel.allCases.filter { $0 <= level }.flatMap(\.requiredFlags)
        }
        let bare = InfoCommand.kernelLine(.baseline, forced: false, supported: [.baseline], missingFlags: none)
        #expect(bare == "Kernels: baseline (best this CPU runs; lacks sse sse2 \(avx2Flags))")
    }

    @Test("Help does not need a valid SIMBA_CPU, and the usage text documents it")
    func helpIgnoresIt() {
        #expect(simba(["info", "--help"], environment: ["SIMBA_CPU": "x"]).result == 0)
        let usage = simba(["--help"], environment: [:]).output
        #expect(usage.contains("SIMBA_CPU      kernel level, baseline, avx2 or avx512"), "\(usage)")
        let info = simba(["info", "--help"], environment: [:]).output
        #expect(info.contains("SIMBA_CPU"), "\(info)")
    }
}
