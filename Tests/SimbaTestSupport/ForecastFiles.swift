// Files for end-to-end forecasting tests: a temporary folder removed when released, a small
// synthetic hourly CSV and a tiny SiMBA-TS config. Text only; it trains nothing itself.

import Foundation

/// A fresh folder under the system temporary directory, deleted with everything in it on deinit.
public final class TemporaryFolder {
    public let path: String

    public init(_ label: String = "simba-test") {
        path =
            FileManager.default.temporaryDirectory
            .appendingPathComponent("\(label)-\(UUID().uuidString)").path
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    /// The absolute path of `name` inside the folder.
    public func file(_ name: String) -> String { path + "/" + name }

    /// Writes `text` to `name` inside the folder (creating its subfolders); returns its absolute path.
    @discardableResult
    public func write(_ text: String, to name: String) -> String {
        let file = file(name)
        try! FileManager.default.createDirectory(
            atPath: (file as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try! Data(text.utf8).write(to: URL(fileURLWithPath: file))
        return file
    }

    public func exists(_ name: String) -> Bool { FileManager.default.fileExists(atPath: file(name)) }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}

public enum ForecastFiles {
    /// A temporary folder (named from `label`) with `series.csv` (`csv()`) and `config.yaml`
    /// (`config(epochs:extra:)`) beside it.
    public static func project(label: String = "simba-test", epochs: Int = 3, extra: String = "") -> TemporaryFolder {
        let folder = TemporaryFolder(label)
        folder.write(csv(), to: "series.csv")
        folder.write(config(epochs: epochs, extra: extra), to: "config.yaml")
        return folder
    }

    /// `date,a,b,OT` hourly from 2021-03-01 00:00:00: smooth cycles plus a deterministic wobble,
    /// `rows` rows. `value(row, column)` may replace any cell's text.
    public static func csv(rows: Int = 200, value: ((Int, Int) -> String?)? = nil) -> String {
        var lines = ["date,a,b,OT"]
        let start: Int64 = 1_614_556_800  // 2021-03-01 00:00:00 UTC
        for r in 0..<rows {
            let t = Double(r)
            let numbers = [
                10 + 3 * sin(t / 5) + 0.1 * Double((r * 37) % 11),
                -2 + cos(t / 7) + 0.05 * Double((r * 17) % 13),
                5 + sin(t / 3) + 0.5 * cos(t / 11) + 0.02 * Double((r * 7) % 5)
            ]
            let cells = numbers.enumerated().map { c, x in value?(r, c) ?? String(format: "%.4f", x) }
            lines.append(timestamp(start + Int64(r) * 3600) + "," + cells.joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// `YYYY-MM-DD HH:MM:SS` of seconds since 1970 UTC.
    public static func timestamp(_ seconds: Int64) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss"
        return formatter.string(from: Date(timeIntervalSince1970: TimeInterval(seconds)))
    }

    /// A tiny SiMBA-TS config reading `data` (relative to the config's folder): d_model 8, one
    /// layer, L 16, H 8, batch 16, dropout 0.2 (so the random generator matters), 3 epochs, no early
    /// stopping, 70/10/20 borders. `extra` lines are appended under their own section headers.
    public static func config(
        data: String = "series.csv", epochs: Int = 3, lr: String = "0.002",
        dropout: String = "0.2", extra: String = ""
    ) -> String {
        """
        task: forecast
        data:
          path: \(data)
          features: M
          target: OT
          seq_len: 16
          pred_len: 8
          borders: ratio
        model:
          d_model: 8
          e_layers: 1
          d_state: 4
          dropout: \(dropout)
        optimization:
          lr: \(lr)
          batch_size: 16
          epochs: \(epochs)
          patience: 0
          seed: 11
        \(extra)
        """
    }
}
