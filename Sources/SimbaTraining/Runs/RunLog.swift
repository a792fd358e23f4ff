// What a run tells its user: lines on standard output (and a live progress line on a terminal)
// copied into the run folder's log.txt. It formats nothing itself beyond the progress line.

import Foundation

/// Prints to standard output and appends every finished line to `log.txt` (when a file is open).
public final class RunLog {
    /// Standard output is a terminal: progress is one line redrawn in place.
    public let isTerminal: Bool
    /// Lines go to standard output (false: only to the log file, for benchmarks).
    public let console: Bool
    private var file: FileHandle?
    private var liveLineShown = false
    private var lastRedraw: UInt64 = 0

    public init(isTerminal: Bool = isatty(STDOUT_FILENO) == 1, console: Bool = true) {
        self.isTerminal = isTerminal && console
        self.console = console
    }

    /// Starts copying lines to `path` (appending, so a resumed run keeps its history).
    public func open(_ path: String) throws {
        if !FileManager.default.fileExists(atPath: path) {
            _ = FileManager.default.createFile(atPath: path, contents: nil)
        }
        guard let handle = FileHandle(forWritingAtPath: path) else {
            throw CheckpointError(path: path, problem: "cannot open the log file for writing")
        }
        handle.seekToEndOfFile()
        file = handle
    }

    /// One finished line, to the console and the log file.
    public func line(_ text: String) {
        clearLiveLine()
        if console {
            print(text)
            fflush(stdout)
        }
        file?.write(Data((text + "\n").utf8))
    }

    /// A progress line: redrawn in place on a terminal (at most 10 times a second); on a pipe,
    /// printed as a plain line only when `plainToo` (every `log_every` steps). The text is built
    /// only when shown. Progress lines are not copied to log.txt.
    public func progress(_ text: @autoclosure () -> String, plainToo: Bool) {
        if isTerminal {
            let now = DispatchTime.now().uptimeNanoseconds
            guard now - lastRedraw >= 100_000_000 || plainToo else { return }
            lastRedraw = now
            print("\r\u{1B}[2K" + text(), terminator: "")
            fflush(stdout)
            liveLineShown = true
        } else if plainToo && console {
            print(text())
            fflush(stdout)
        }
    }

    private func clearLiveLine() {
        if liveLineShown {
            print("\r\u{1B}[2K", terminator: "")
            liveLineShown = false
        }
    }

    deinit { try? file?.close() }
}

/// Running loss and throughput of one epoch, and the progress line built from them.
public struct EpochMeter {
    public let epoch: Int, epochs: Int, steps: Int
    /// Seconds the evaluation after each epoch took last time (0 before the first), counted into
    /// the whole run's ETA once per epoch still to run.
    public let evalSeconds: Double
    private let start = DispatchTime.now().uptimeNanoseconds
    private var lossSum = 0.0
    private var samples = 0
    public private(set) var stepsDone = 0

    /// The meter of epoch `epoch` (1-based) of `epochs`, each of `steps` steps.
    public init(epoch: Int, epochs: Int, steps: Int, evalSeconds: Double = 0) {
        self.epoch = epoch
        self.epochs = epochs
        self.steps = steps
        self.evalSeconds = evalSeconds
    }

    public mutating func add(loss: Float, samples batch: Int) {
        lossSum += Double(loss)
        samples += batch
        stepsDone += 1
    }

    public var meanLoss: Double { stepsDone == 0 ? .nan : lossSum / Double(stepsDone) }
    public var seconds: Double { Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9 }
    public var samplesPerSecond: Double { Double(samples) / max(seconds, 1e-9) }

    /// Seconds left in this epoch's steps, and in the whole run: the steps of this epoch and of the
    /// epochs after it at this epoch's pace, plus one evaluation (of `evalSeconds`) per epoch left.
    public var remaining: (epoch: Double, run: Double) {
        guard stepsDone > 0 else { return (0, 0) }
        let perStep = seconds / Double(stepsDone)
        let epoch = perStep * Double(steps - stepsDone)
        let later = Double(epochs - self.epoch)
        return (epoch, epoch + later * perStep * Double(steps) + (later + 1) * evalSeconds)
    }

    /// "epoch 3/10  step 120/264  loss 0.4123 (mean 0.4311)  850.2 samples/s  lr 5.00e-04
    /// ETA 0:12 epoch, 5:40 run": samples/s counts the training steps only.
    public func line(loss: Float, lr: Double) -> String {
        let (epochLeft, runLeft) = remaining
        return String(
            format: "epoch %d/%d  step %d/%d  loss %.4f (mean %.4f)  %.1f samples/s  lr %.2e  ETA %@ epoch, %@ run",
            epoch, epochs, stepsDone, steps, loss, meanLoss, samplesPerSecond, lr,
            formatDuration(epochLeft), formatDuration(runLeft))
    }
}

/// 75 → "1:15", 3725 → "1:02:05".
public func formatDuration(_ seconds: Double) -> String {
    let total = Int(seconds.rounded())
    let (h, m, s) = (total / 3600, total / 60 % 60, total % 60)
    return h > 0 ? String(format: "%d:%02d:%02d", h, m, s) : String(format: "%d:%02d", m, s)
}
