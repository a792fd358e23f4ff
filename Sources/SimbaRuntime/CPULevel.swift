// PLACEHOLDER until the cpu branch merges: the CPU levels, read from /proc/cpuinfo.

import Foundation

public enum CPULevel: String, CaseIterable, Comparable, Sendable {
    case baseline, avx2, avx512

    public static func < (a: CPULevel, b: CPULevel) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }

    public static let supported: [CPULevel] = {
        let text = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        let flags = Set(text.split(separator: "\n").first { $0.hasPrefix("flags") }?.split(separator: " ").map(String.init) ?? [])
        var levels: [CPULevel] = [.baseline]
        if flags.isSuperset(of: ["avx2", "fma"]) { levels.append(.avx2) }
        if flags.isSuperset(of: ["avx512f", "avx512dq", "avx512bw", "avx512vl", "avx512cd"]) { levels.append(.avx512) }
        return levels
    }()

    public static var best: CPULevel { supported.last! }

    public static func selected(_ environment: [String: String]) throws -> CPULevel {
        guard let text = environment["SIMBA_CPU"], !text.isEmpty else { return best }
        guard let level = CPULevel(rawValue: text), supported.contains(level) else {
            throw EnvironmentError(description: "bad SIMBA_CPU \(quoted(text))")
        }
        return level
    }
}
