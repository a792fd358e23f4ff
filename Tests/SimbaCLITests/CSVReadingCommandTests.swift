// `simba train` through SimbaCommand.run on CSV files as people have them: a semicolon file with
// decimal commas, split dates and `?` cells trains; missing cells and a text column stop it, named.

import Foundation
import SimbaCLI
import SimbaTestSupport
import Testing

/// `simba train` on `csv` with the tiny config plus `data` lines under `data:`; returns status and stderr.
private func train(_ folder: TemporaryFolder, csv: String, data: String = "") -> (Int32, String) {
    folder.write(csv, to: "series.csv")
    let yaml = ForecastFiles.config(epochs: 1)
        .replacingOccurrences(of: "  borders: ratio", with: "  borders: ratio" + data)
    folder.write(yaml, to: "config.yaml")
    let run = simba(["train", "--config", folder.file("config.yaml"), "--out", folder.file("run")])
    return (run.result, run.errors)
}

/// The tiny forecasting file as a European spreadsheet writes it: `;`, decimal commas, `Date;Time`,
/// and `?` in column a on rows `missing`.
private func europeanCSV(missing: Set<Int> = []) -> String {
    var lines = ForecastFiles.csv().split(separator: "\n").map(String.init)
    lines[0] = "Date;Time;a;b;OT"
    for r in 1..<lines.count {
        var cells = lines[r].split(separator: ",").map(String.init)
        let (day, time) = (cells[0].prefix(10).split(separator: "-"), cells[0].suffix(8))
        cells[0] = "\(day[2])/\(day[1])/\(day[0]);\(time)"
        if missing.contains(r - 1) { cells[1] = "?" }
        lines[r] = cells.map { $0.replacingOccurrences(of: ".", with: ",") }.joined(separator: ";")
    }
    return lines.joined(separator: "\n") + "\n"
}

@Suite("simba train on real-world CSV dialects", .timeLimit(.minutes(5)))
struct CSVReadingCommandTests {
    let dialect = "\n  decimal: \",\"\n  date_columns: [Date, Time]\n  date_format: \"%d/%m/%Y %H:%M:%S\""

    @Test("A semicolon file with decimal commas, Date;Time columns and ? cells trains with data.missing: ffill")
    func europeanFileTrains() throws {
        let folder = TemporaryFolder("simba-cli-csv")
        let (status, errors) = train(
            folder, csv: europeanCSV(missing: [5, 6, 40]),
            data: dialect + "\n  missing: ffill")
        #expect(status == 0, "\(errors)")
        let log = try text(folder.file("run/log.txt"))
        #expect(log.contains("data: 3 missing cells filled (data.missing: ffill)"), "\(log)")
        #expect(log.contains("columns a,b,OT"), "\(log)")
    }

    @Test("Missing cells stop the run with status 1, naming the file, the count, lines and column; nothing written")
    func missingCellsAreAnError() {
        let folder = TemporaryFolder("simba-cli-csv")
        let (status, errors) = train(folder, csv: europeanCSV(missing: [5, 6, 40]), data: dialect)
        #expect(status == 1)
        for part in [
            folder.file("series.csv") + ":7: column a holds \"?\"", "3 cells are missing", "a (3)",
            "lines 7, 8, 42", "data.missing"
        ] {
            #expect(errors.contains(part), "\(errors) lacks \(part)")
        }
        expectNoCheckpoint(folder)
        #expect(!folder.exists("run/config.yaml"))
    }

    @Test("A text column stops the run with status 1, naming file, line, column and data.drop")
    func textColumnIsAnError() {
        let folder = TemporaryFolder("simba-cli-csv")
        let csv = ForecastFiles.csv { r, c in c == 1 ? (r % 2 == 0 ? "north" : "south") : nil }
        let (status, errors) = train(folder, csv: csv)
        #expect(status == 1)
        for part in [folder.file("series.csv") + ":2: column b holds \"north\"", "data.drop: [b]"] {
            #expect(errors.contains(part), "\(errors) lacks \(part)")
        }
        expectNoCheckpoint(folder)
        let (dropped, _) = train(TemporaryFolder("simba-cli-csv"), csv: csv, data: "\n  drop: [b]")
        #expect(dropped == 0)
    }

    @Test("An unknown data.missing policy is a config error naming the key")
    func badPolicy() {
        let folder = TemporaryFolder("simba-cli-csv")
        let (status, errors) = train(folder, csv: ForecastFiles.csv(), data: "\n  missing: fill")
        #expect(status != 0)
        #expect(errors.contains("data.missing") && errors.contains("ffill"), "\(errors)")
        expectNoCheckpoint(folder)
    }
}
