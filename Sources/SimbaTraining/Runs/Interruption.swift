// A stop asked for by the user (Ctrl-C or SIGTERM): the flag the signal handlers set, the checks
// loops make between steps or batches, and the error that carries the stop to `main`'s status.

import CInterrupt
import Foundation

/// The user stopped the process with `signal`; thrown at a point where nothing is half written.
public struct Interrupted: Error, CustomStringConvertible {
    public let signal: Int32
    public let description: String
    /// The run already showed the description (on the console and in log.txt); the command
    /// line prints nothing more.
    public let reported: Bool

    public init(signal: Int32, description: String, reported: Bool) {
        self.signal = signal
        self.description = description
        self.reported = reported
    }

    /// The shell's status for a process ended by `signal`: 130 for SIGINT, 143 for SIGTERM.
    public var status: Int32 { 128 + signal }
}

public enum Interruption {
    /// Makes the first SIGINT or SIGTERM a request to stop at the next check, and a second one
    /// end the process at once (status 128 + signal). Only `main` calls it, for commands that check.
    public static func installHandlers() { simba_interrupt_install() }

    /// The signal that asked the process to stop, or nil. One load of a flag: cheap enough per step.
    public static var pending: Int32? {
        let signal = simba_interrupt_signal()
        return signal == 0 ? nil : signal
    }

    /// Throws `Interrupted` when a stop was asked for; `work` names what is stopped ("evaluation")
    /// for the message, which says that nothing was written.
    public static func check(_ work: String) throws {
        guard let signal = pending else { return }
        throw Interrupted(
            signal: signal, description: "\(work) stopped by \(name(signal)); nothing was written",
            reported: false)
    }

    /// "SIGINT", "SIGTERM" or "signal N".
    static func name(_ signal: Int32) -> String {
        switch signal {
        case SIGINT: "SIGINT"
        case SIGTERM: "SIGTERM"
        default: "signal \(signal)"
        }
    }
}

extension TrainingProgress {
    /// The stop of a training run of `epochs` epochs during epoch `epoch` (0-based; `epochs` for the
    /// final evaluation) after `step` of its `steps` steps: logs where it stopped and how to continue
    /// and returns the error that ends the command. Nothing of the epoch was saved, so a resumed run
    /// redoes it from its start.
    func interrupted(
        by signal: Int32, epoch: Int, step: Int, steps: Int, epochs: Int, folder: String,
        log: RunLog
    ) -> Interrupted {
        let resume = "continue with `simba train --resume \(folder)`"
        let message: String
        if epoch >= epochs {
            message =
                "stopped at the final evaluation; \(resume) (\(Interruption.name(signal)); all \(epochs) "
                + "epochs are saved, so it only evaluates the best one again)"
        } else {
            let redo =
                epochsDone == 0
                ? "no epoch had completed, so it starts the run over"
                : "it redoes epoch \(epoch + 1) from its start, after the last complete epoch, \(epochsDone)"
            message =
                "stopped at epoch \(epoch + 1) step \(step); \(resume) "
                + "(\(Interruption.name(signal)) after step \(step) of \(steps); \(redo))"
        }
        log.line(message)
        return Interrupted(signal: signal, description: message, reported: true)
    }
}
