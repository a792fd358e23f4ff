// What `simba predict` tells its user while it runs, on standard error (standard output may carry
// the predictions): finished lines, and a progress line with images/s and ETA. It computes nothing else.

import Foundation

/// Messages and progress on standard error. On a terminal the progress line is redrawn in place
/// (at most 10 times a second); otherwise it is a plain line every `every` batches and after the last.
public final class PredictionProgress {
    public let isTerminal: Bool
    public let every: Int
    private let start = DispatchTime.now().uptimeNanoseconds
    private var lastRedraw: UInt64 = 0
    private var liveLineShown = false

    public init(isTerminal: Bool = isatty(STDERR_FILENO) == 1, every: Int = 50) {
        precondition(every > 0, "every must be positive")
        self.isTerminal = isTerminal
        self.every = every
    }

    /// One finished line (the live progress line, if shown, is cleared first).
    public func line(_ text: String) {
        if liveLineShown {
            write("\r\u{1B}[2K")
            liveLineShown = false
        }
        write(text + "\n")
    }

    /// Reports `batches` of `total` batches done, covering `images` images (`skipped` of them unreadable).
    public func update(batches: Int, of total: Int, images: Int, skipped: Int) {
        let last = batches == total
        if last {
            line(text(batches: batches, of: total, images: images, skipped: skipped))
        } else if isTerminal {
            let now = DispatchTime.now().uptimeNanoseconds
            guard now - lastRedraw >= 100_000_000 else { return }
            lastRedraw = now
            write("\r\u{1B}[2K" + text(batches: batches, of: total, images: images, skipped: skipped))
            liveLineShown = true
        } else if batches % every == 0 {
            line(text(batches: batches, of: total, images: images, skipped: skipped))
        }
    }

    /// "Predict: [  12/157]  1536 images  85.3 images/s  ETA 3:36" (and the skipped count, if any).
    func text(batches: Int, of total: Int, images: Int, skipped: Int) -> String {
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9
        let rate = Double(images) / max(seconds, 1e-9)
        let remaining = batches == 0 ? 0 : seconds / Double(batches) * Double(total - batches)
        let done = String(batches), padding = String(repeating: " ", count: max(0, String(total).count - done.count))
        return String(
            format: "Predict: [%@%@/%d]  %d images  %.1f images/s  ETA %@", padding, done, total, images,
            rate, formatDuration(remaining)) + (skipped > 0 ? "  \(skipped) unreadable" : "")
    }

    private func write(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }
}
