// The time grid as `simba train` and `simba forecast` users meet it: unsorted rows, gaps and bad
// data.freq values stop the run before a run folder exists; the step is logged; --future skips weekends.

import Foundation
import SimbaCLI
import SimbaTestSupport
import Testing

/// ForecastFiles.csv with its dates replaced by `dates` (one per row).
private func csv(dates: [String]) -> String {
    let lines = ForecastFiles.csv(rows: dates.count).split(separator: "\n")
    let rows = zip(dates, lines.dropFirst()).map { $0 + $1.dropFirst(19) }
    return ([String(lines[0])] + rows).joined(separator: "\n") + "\n"
}

/// Hourly dates from 2021-03-01 00:00 for `rows` rows, skipping the hours in `skipped`.
private func hours(_ rows: Int, skipping skipped: Set<Int> = []) -> [String] {
    (0..<(rows + skipped.count)).filter { !skipped.contains($0) }
        .map { ForecastFiles.timestamp(1_614_556_800 + Int64($0) * 3600) }
}

/// `simba train` on `dates` with `extra` arguments, in a fresh folder: status, stderr and the folder.
private func train(_ dates: [String], _ extra: [String] = [])
    -> (status: Int32, errors: String, folder: TemporaryFolder)
{
    let folder = TemporaryFolder("simba-cli-grid")
    folder.write(csv(dates: dates), to: "series.csv")
    folder.write(ForecastFiles.config(epochs: 1), to: "config.yaml")
    let run = simba(["train", "--config", folder.file("config.yaml"), "--out", folder.file("run")] + extra)
    return (run.result, run.errors, folder)
}

@Suite(.timeLimit(.minutes(5))) struct TimeGridCommandLineTests {
    @Test("Rows out of time order stop simba train with the lines named and no run folder; data.sort trains")
    func unsortedRows() throws {
        var dates = hours(200)
        dates.swapAt(40, 41)
        let refused = train(dates)
        #expect(refused.status == 1)
        #expect(
            refused.errors.contains(
                "series.csv:43: the date 2021-03-02 16:00:00 is earlier than 2021-03-02 17:00:00 on line 42"),
            "\(refused.errors)")
        #expect(refused.errors.contains("data.sort: true"))
        #expect(!refused.folder.exists("run"))
        let sorted = train(dates, ["--set", "data.sort=true"])
        #expect(sorted.status == 0)
        let log = try String(contentsOfFile: sorted.folder.file("run/log.txt"), encoding: .utf8)
        #expect(log.contains("freq: 1h (inferred)\ntime order: rows sorted by date (data.sort)\n"), "\(log)")
    }

    @Test("Gaps stop simba train unless data.missing fills them, which the log states")
    func gaps() throws {
        let dates = hours(200, skipping: [50, 51, 52, 120])
        let refused = train(dates)
        #expect(refused.status == 1)
        #expect(
            refused.errors.contains(
                "the 1h grid has 2 gaps (4 missing rows in all; the largest, 3 steps, "
                    + "after 2021-03-03 01:00:00 on line 51)"), "\(refused.errors)")
        #expect(!refused.folder.exists("run"))
        let filled = train(dates, ["--set", "data.missing=interpolate"])
        #expect(filled.status == 0)
        let log = try String(contentsOfFile: filled.folder.file("run/log.txt"), encoding: .utf8)
        #expect(log.contains("204 rows") && log.contains("freq: 1h (inferred)\ngaps: 2 (4 missing rows"), "\(log)")
        #expect(log.contains("filled by interpolate (data.missing)"))
    }

    @Test("data.resample trains on the bins and logs how many rows went into how many")
    func resample() throws {
        let run = train(hours(400), ["--set", "data.resample=2h", "--set", "data.aggregate=max"])
        #expect(run.status == 0)
        let log = try String(contentsOfFile: run.folder.file("run/log.txt"), encoding: .utf8)
        #expect(
            log.contains("200 rows") && log.contains("freq: 2h (data.resample: max of 400 rows in 200 bins)"),
            "\(log)")
    }

    @Test(
        "A data.freq or data.resample that is not a usable frequency is a config error naming the key",
        arguments: [
            (["data.freq=15 mins"], "data.freq must be a frequency, got '15 mins'"),
            (["data.resample=B"], "data.resample is business day, which rows cannot be resampled to"),
            (["data.freq=2h"], "is not a step of the 2h grid (data.freq)"),
            (["data.freq=1h", "data.resample=2h"], "data.freq and data.resample are both set")
        ])
    func badFrequency(_ settings: [String], _ message: String) {
        let refused = train(hours(200), settings.flatMap { ["--set", $0] })
        #expect(refused.status == 1)
        #expect(refused.errors.contains(message), "\(refused.errors)")
        #expect(!refused.folder.exists("run"))
    }

    @Test("simba forecast --future continues business-day data on weekdays only")
    func futureBusinessDays() throws {
        // 200 weekdays from Monday 2021-03-01.
        let days: [Int64] = (0..<280).map { Int64(18_687 + $0) }  // 18,687: 2021-03-01 in days since 1970
        let weekdays = days.filter { ($0 + 3) % 7 < 5 }.prefix(200)
        let dates: [String] = weekdays.map { String(ForecastFiles.timestamp($0 * 86_400).prefix(10)) }
        let run = train(dates)
        #expect(run.status == 0)
        let forecast = simba([
            "forecast", "--checkpoint", run.folder.file("run"), "--future",
            "--out", run.folder.file("out")
        ])
        #expect(forecast.result == 0)
        #expect(forecast.output.contains("freq: business day (inferred)"), "\(forecast.output)")
        let future = try String(contentsOfFile: run.folder.file("out/future.csv"), encoding: .utf8)
            .split(separator: "\n").dropFirst().map { String($0.prefix(10)) }
        // The last row is Friday 2021-12-03: Monday to Friday, then Monday to Wednesday.
        #expect(dates.last == "2021-12-03")
        #expect(
            future == [
                "2021-12-06", "2021-12-07", "2021-12-08", "2021-12-09", "2021-12-10", "2021-12-13",
                "2021-12-14", "2021-12-15"
            ])
    }
}
