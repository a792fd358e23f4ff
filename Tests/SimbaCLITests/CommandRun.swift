// `simba ARGUMENTS…` run in the test process with its standard output and standard error captured:
// the one way these tests run a command in process. It checks nothing itself.

import Foundation
import SimbaCLI
import SimbaTestSupport

/// `SimbaCommand.run(arguments, environment:)` inside `captureOutput`; the exit status is `result`.
///
/// Every in-process run goes through here (or an explicit `captureOutput`), even one whose messages
/// a test ignores: a run left uncaptured while another test holds the capture writes its lines into
/// that test's text, and breaks a check that a message is absent. Captures take one lock and do not
/// nest, so never call this inside `captureOutput`.
func simba(
    _ arguments: [String], environment: [String: String] = ProcessInfo.processInfo.environment
) -> CapturedOutput<Int32> {
    captureOutput { SimbaCommand.run(arguments, environment: environment) }
}

/// `simba(arguments)` and how long the command itself ran, for checks that a command is fast: the
/// wait for another test's capture to end is not counted.
func timedSimba(_ arguments: [String]) -> (run: CapturedOutput<Int32>, duration: Duration) {
    var duration = Duration.zero
    let run = captureOutput {
        let start = ContinuousClock.now
        defer { duration = ContinuousClock.now - start }
        return SimbaCommand.run(arguments)
    }
    return (run, duration)
}
