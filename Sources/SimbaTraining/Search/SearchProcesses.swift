// Runs of a search (trials, or their seeds and folds) several at once: how many (the rule), and each as a child
// `simba train` process sharing out the threads. It decides no scores; SearchRun records what they leave.

import Foundation
import SimbaCore

/// How many trials of a search run at once, and with how many threads each.
public enum SearchParallelism {
    /// Threads one small forecasting trial keeps busy (ETTh1, d_model 128, batch 32, seven variates:
    /// its matrices are too small for more to pay).
    public static let threadsPerTrial = 2

    /// Trials at once: `forced` when given (`--search-parallel`), else `cores / threadsPerTrial`, at
    /// least 1. `cores` is the thread budget: SIMBA_THREADS, or the machine's active cores.
    public static func trials(forced: Int?, cores: Int) -> Int {
        forced ?? max(1, cores / threadsPerTrial)
    }

    /// SIMBA_THREADS of each of `trials` trials at once: the budget shared out, at least 1.
    public static func threads(trials: Int, cores: Int) -> Int {
        max(1, cores / max(trials, 1))
    }
}

extension SearchRun {
    /// Runs `pending` as child processes of this executable (`simba train --config <search config>
    /// --set search={} --set KEY=VALUE … --out RUN`, or `--resume RUN` for a run already begun),
    /// `atOnce` at a time with SIMBA_THREADS `threads`; their output goes to their log.txt. A child
    /// that exits with an error is a failed run. A stop of this process is passed on to the
    /// children; once they have ended it throws `Interrupted`.
    mutating func runProcesses(_ pending: [TrialRun], atOnce: Int, threads: Int) throws {
        let executable = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
        var queue = pending[...]
        var running: [TrialProcess] = []
        var stop: Int32?
        while !queue.isEmpty || !running.isEmpty {
            if stop == nil, let signal = Interruption.pending {
                stop = signal
                queue.removeAll()
                for child in running { kill(child.process.processIdentifier, signal) }
            }
            while stop == nil && running.count < atOnce, let run = queue.popFirst() {
                let resume = folder.hasBegun(run)
                announce(run, note: resume ? ", continued" : "")
                running.append(
                    try TrialProcess(
                        run: run, executable: executable, arguments: arguments(run, resume: resume),
                        threads: threads))
            }
            for child in running where !child.process.isRunning {
                running.removeAll { $0 === child }
                let status = child.process.terminationStatus
                if child.process.terminationReason == .uncaughtSignal || status == 128 + SIGINT
                    || status == 128 + SIGTERM
                {
                    if stop == nil {
                        let signal = child.process.terminationReason == .uncaughtSignal ? status : status - 128
                        stop = signal
                        queue.removeAll()
                        for other in running { kill(other.process.processIdentifier, signal) }
                    }
                    continue
                }
                var record: TrialRecord
                if status == 0 {
                    do {
                        record = TrialRecord(
                            scores: try TrialScores.read(runFolder: folder.runPath(child.run)),
                            seconds: child.seconds)
                    } catch {
                        record = TrialRecord(failure: "\(error)", seconds: child.seconds)
                    }
                } else {
                    record = TrialRecord(
                        failure: "`simba train` exited with status \(status): \(child.errorText)",
                        seconds: child.seconds)
                }
                try finish(child.run, record)
            }
            if !running.isEmpty { usleep(50_000) }
        }
        if let stop { throw stopped(by: stop) }
    }

    /// The command line of a run's child process.
    func arguments(_ run: TrialRun, resume: Bool) -> [String] {
        if resume { return ["train", "--resume", folder.runPath(run)] }
        var arguments = ["train", "--config", folder.configFile, "--set", "search={}", "--set", "search_trials=0"]
        if let seed = run.seed { arguments += ["--set", "search_seeds=[]", "--set", "optimization.seed=\(seed)"] }
        if let fold = run.fold { arguments += ["--set", "search_folds=1", "--set", "data.fold=\(fold)"] }
        for (axis, value) in zip(plan.axes, run.trial.values) {
            arguments += ["--set", "\(axis.key)=\(ConfigValueParser.yamlScalar(value))"]
        }
        return arguments + ["--out", folder.runPath(run)]
    }
}

/// One run's child process; its standard error is kept for the message of a failure.
final class TrialProcess {
    let run: TrialRun
    let process = Process()
    private let start = DispatchTime.now().uptimeNanoseconds
    private let errors = Pipe()
    private let lock = NSLock()
    private var errorData = Data()

    init(run: TrialRun, executable: String, arguments: [String], threads: Int) throws {
        self.run = run
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment["SIMBA_THREADS"] = String(threads)
        process.environment = environment
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = errors
        errors.fileHandleForReading.readabilityHandler = { [weak self] handle in
            let data = handle.availableData
            guard let self else { return }
            self.lock.lock()
            if self.errorData.count < 65_536 { self.errorData.append(data) }
            self.lock.unlock()
        }
        try process.run()
    }

    /// Seconds since the process started.
    var seconds: Double { Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9 }

    /// The last line the process wrote to standard error, without "simba: ", at most 300 characters.
    var errorText: String {
        lock.lock()
        defer { lock.unlock() }
        let last = String(decoding: errorData, as: UTF8.self).split(separator: "\n").last.map(String.init) ?? ""
        let text = last.hasPrefix("simba: ") ? String(last.dropFirst(7)) : last
        return text.isEmpty ? "no message" : String(text.prefix(300))
    }

    deinit { errors.fileHandleForReading.readabilityHandler = nil }
}
