// Reads a CSV file's bytes into a TimeSeriesTable as CSVReadOptions say: header, date column(s), id
// column, value columns, missing cells. It does not check the time grid (order, gaps) or scale.

import SimbaCore

/// One pass over a CSV file's records (`CSVTokenizer`), then missing-cell handling and grouping by series.
///
/// - Header: the first non-blank record; names unquoted and trimmed, non-empty, valid UTF-8, free of
///   control characters and distinct. A UTF-8 byte-order mark is skipped.
/// - Columns: the date (`dateColumn`, or `date`, or the first column whose first data cell is a date;
///   or several `dateColumns`), the id (`idColumn`), and the value columns (`columns`, else all others,
///   minus `drop`). Other columns are not read. Every value column must be numeric: the error lists
///   all that are not, with each one's first bad line.
/// - Every record has one field per header name. Line numbers are 1-based file lines.
/// - Missing cells (`naValues`) are an error naming how many, in which columns and the first lines,
///   unless `missing` fills them (within each series) or drops their rows.
/// - Long files: with `series` only that series' rows are read; without, every series, grouped.
struct CSVTableReader {
    let options: CSVReadOptions
    let path: String
    /// Lines shown in the error about missing cells.
    static let shownLines = 5

    /// The date column(s) and how their cells are read.
    private struct DateSource {
        var columns: [Int]
        var format: TimestampFormat
        var expected: String
    }

    func read(_ buffer: UnsafeBufferPointer<UInt8>) throws -> TimeSeriesTable {
        guard let base = buffer.baseAddress, buffer.count > 0 else { throw DataError.emptyFile(path: path) }
        let count = buffer.count
        var start = 0
        if count >= 3, base[0] == 0xEF, base[1] == 0xBB, base[2] == 0xBF { start = 3 }
        var headerStart = start
        while headerStart < count, [9, 10, 13, 32].contains(base[headerStart]) { headerStart += 1 }
        let delimiter = options.delimiter.byte ?? CSVTokenizer.sniffDelimiter(base, count: count, from: headerStart)
        if delimiter == 44 && options.decimal == .comma {
            throw DataError.badReadOptions(
                path: path,
                reason: "data.decimal is \",\" and the delimiter is \",\" too; "
                    + "set data.delimiter to the file's delimiter (\";\" or tab)")
        }
        var tokenizer = CSVTokenizer(base: base, count: count, delimiter: delimiter, path: path, position: start)
        var fields: [CSVField] = []
        guard try tokenizer.next(into: &fields) else { throw DataError.emptyFile(path: path) }
        let headerLine = tokenizer.recordLine
        let names = try headerNames(fields, tokenizer: tokenizer)
        let width = names.count

        func index(_ name: String, key: String) throws -> Int {
            guard let i = names.firstIndex(of: name) else {
                throw DataError.unknownColumn(path: path, key: key, name: name, columns: names)
            }
            return i
        }
        let idIndex = options.idColumn.isEmpty ? nil : try index(options.idColumn, key: "data.id_column")
        guard options.series.isEmpty || idIndex != nil else {
            throw DataError.badReadOptions(
                path: path,
                reason: "data.series is set but data.id_column is not; "
                    + "name the column that holds the series ids")
        }
        guard width >= 2 else { throw DataError.noValueColumns(path: path, line: headerLine) }
        guard try tokenizer.next(into: &fields) else { throw DataError.tooFewRows(path: path, rows: 0) }
        guard fields.count == width else {
            throw DataError.wrongCellCount(path: path, line: tokenizer.recordLine, found: fields.count, expected: width)
        }
        let date = try dateSource(
            names: names, idIndex: idIndex, firstRow: fields, tokenizer: tokenizer,
            index: index)
        let valueIndices = try valueColumns(
            names: names, excluded: date.columns + (idIndex.map { [$0] } ?? []),
            index: index)
        guard !valueIndices.isEmpty else { throw DataError.noValueColumns(path: path, line: headerLine) }
        let columns = valueIndices.map { names[$0] }
        let k = columns.count

        // Every row but the last ends in a newline and every cell but a row's last in a delimiter, so
        // these bound the table by the file's size (blank lines make rows × columns no bound).
        var newlines = 0
        for i in tokenizer.position..<count where base[i] == 10 { newlines += 1 }
        var values: [Double] = [], timestamps: [Int64] = [], lines: [Int] = [], seriesOfRow: [Int32] = []
        let rowBound = newlines + 1
        values.reserveCapacity(rowBound > count / k ? count : rowBound * k)
        timestamps.reserveCapacity(rowBound)
        lines.reserveCapacity(rowBound)

        let cells = CSVCellReader(decimal: options.decimal, naValues: options.naValues)
        var seriesIndex: [[UInt8]: Int32] = [:], seriesNames: [String] = []
        var lastId: (bytes: [UInt8], index: Int32)?
        let wanted = Array(options.series.utf8)
        var missingPerColumn = [Int](repeating: 0, count: k), missingLines: [Int] = []
        var firstMissing: MissingCell?
        var badLine = [Int](repeating: 0, count: k), badText = [String](repeating: "", count: k)
        var (sawOffset, sawFraction) = (false, false)
        var dateScratch: [UInt8] = []

        repeat {
            let line = tokenizer.recordLine
            guard fields.count == width else {
                throw DataError.wrongCellCount(path: path, line: line, found: fields.count, expected: width)
            }
            if let idIndex {
                let id = tokenizer.bytes(fields[idIndex])
                if !wanted.isEmpty {
                    guard id == wanted else { continue }
                } else if let lastId, lastId.bytes == id {
                    seriesOfRow.append(lastId.index)
                } else {
                    let index =
                        seriesIndex[id]
                        ?? {
                            let next = Int32(seriesNames.count)
                            seriesIndex[id] = next
                            seriesNames.append(String(decoding: id, as: UTF8.self))
                            return next
                        }()
                    lastId = (id, index)
                    seriesOfRow.append(index)
                }
            }
            let parsed: ParsedTimestamp?
            if date.columns.count == 1, !fields[date.columns[0]].escaped {
                let field = fields[date.columns[0]]
                parsed = date.format.parse(base + field.start, field.end - field.start)
            } else {
                dateScratch.removeAll(keepingCapacity: true)
                for (j, c) in date.columns.enumerated() {
                    if j > 0 { dateScratch.append(32) }
                    let field = fields[c]
                    if field.escaped {
                        dateScratch += tokenizer.bytes(field)
                    } else {
                        dateScratch.append(
                            contentsOf: UnsafeBufferPointer(
                                start: base + field.start,
                                count: field.end - field.start))
                    }
                }
                parsed = dateScratch.withUnsafeBufferPointer { date.format.parse($0.baseAddress ?? base, $0.count) }
            }
            guard let parsed else {
                if dateScratch.isEmpty || date.columns.count == 1 {
                    dateScratch = tokenizer.bytes(fields[date.columns[0]])
                }
                throw DataError.badDate(
                    path: path, line: line,
                    column: date.columns.map { names[$0] }.joined(separator: "+"),
                    text: String(decoding: dateScratch.prefix(400), as: UTF8.self),
                    expected: date.expected)
            }
            sawOffset = sawOffset || parsed.hadOffset
            sawFraction = sawFraction || parsed.droppedFraction
            timestamps.append(parsed.seconds)
            lines.append(line)
            for j in 0..<k {
                let field = fields[valueIndices[j]]
                let value: CellValue
                if field.escaped {
                    let bytes = tokenizer.bytes(field)
                    value = bytes.withUnsafeBufferPointer { cells.read($0.baseAddress ?? base, $0.count) }
                } else {
                    value = cells.read(base + field.start, field.end - field.start)
                }
                switch value {
                case let .number(number):
                    values.append(number)
                case .missing:
                    values.append(.nan)
                    missingPerColumn[j] += 1
                    if firstMissing == nil {
                        firstMissing = MissingCell(column: columns[j], text: tokenizer.text(field))
                    }
                    if missingLines.count < Self.shownLines, missingLines.last != line { missingLines.append(line) }
                case .notNumber:
                    values.append(.nan)
                    if badLine[j] == 0 {
                        badLine[j] = line
                        badText[j] = tokenizer.text(field)
                    }
                case .nonFinite:
                    throw DataError.nonFinite(path: path, line: line, column: columns[j], text: tokenizer.text(field))
                }
            }
        } while try tokenizer.next(into: &fields)

        let bad = badLine.indices.filter { badLine[$0] != 0 }
        guard bad.isEmpty else {
            throw DataError.nonNumericColumns(
                path: path, columns: bad.map { columns[$0] },
                lines: bad.map { badLine[$0] },
                texts: bad.map { badText[$0] })
        }
        if !wanted.isEmpty && timestamps.isEmpty {
            var available: [String] = []
            var seen = Set<[UInt8]>()
            var scan = CSVTokenizer(base: base, count: count, delimiter: delimiter, path: path, position: start)
            _ = try scan.next(into: &fields)
            while try scan.next(into: &fields), available.count < 1000, let idIndex, fields.count > idIndex {
                let id = scan.bytes(fields[idIndex])
                if seen.insert(id).inserted { available.append(String(decoding: id, as: UTF8.self)) }
            }
            throw DataError.unknownSeries(
                path: path, idColumn: options.idColumn, series: options.series,
                available: available)
        }

        var notes: [String] = []
        if sawOffset {
            notes.append("dates with a UTC offset were converted to UTC (timestamps are shown in UTC)")
        }
        if sawFraction {
            notes.append("fractions of a second in the dates were dropped (timestamps are whole seconds)")
        }
        var series = [TableSeries(name: options.series, rows: 0..<timestamps.count)]
        if idIndex != nil && wanted.isEmpty {
            series = Self.groupBySeries(
                seriesOfRow, names: seriesNames, values: &values, width: k,
                timestamps: &timestamps, lines: &lines)
            notes.append(
                "\(series.count) series in column \(options.idColumn), read as one data set "
                    + "(each split 70/10/20 by its own length; no window crosses two series)")
        } else if !wanted.isEmpty {
            notes.append("series \(options.series) of column \(options.idColumn): \(timestamps.count) rows")
        }

        let missing = missingPerColumn.reduce(0, +)
        if missing > 0 {
            switch options.missing {
            case .error:
                let withMissing = missingPerColumn.indices.filter { missingPerColumn[$0] > 0 }
                throw DataError.missingCells(
                    path: path, count: missing, columns: withMissing.map { columns[$0] },
                    counts: withMissing.map { missingPerColumn[$0] }, lines: missingLines,
                    first: firstMissing!, markers: options.naValues)
            case .ffill, .interpolate:
                var backfilled = 0
                for s in series {
                    for c in 0..<k where missingPerColumn[c] > 0 {
                        guard
                            let leading = MissingValues.fill(
                                &values, width: k, column: c, rows: s.rows,
                                interpolate: options.missing == .interpolate)
                        else {
                            throw DataError.allMissing(
                                path: path, column: columns[c],
                                series: series.count > 1 ? s.name : nil)
                        }
                        backfilled += leading
                    }
                }
                notes.append(
                    "\(missing) missing cell\(missing == 1 ? "" : "s") filled (data.missing: "
                        + "\(options.missing.rawValue))"
                        + (backfilled > 0
                            ? "; \(backfilled) before a column's first value took that value" : ""))
            case .drop:
                let before = timestamps.count
                series = Self.dropMissingRows(
                    series: series, values: &values, width: k, timestamps: &timestamps,
                    lines: &lines)
                notes.append(
                    "\(before - timestamps.count) row\(before - timestamps.count == 1 ? "" : "s") "
                        + "with missing cells dropped (data.missing: drop)")
            }
        }
        guard timestamps.count >= 2 else { throw DataError.tooFewRows(path: path, rows: timestamps.count) }
        return TimeSeriesTable(
            path: path, columns: columns, values: values, timestamps: timestamps, lines: lines,
            series: series, notes: notes)
    }

    /// The header's names, checked: valid UTF-8 without control characters, not empty, distinct.
    private func headerNames(_ fields: [CSVField], tokenizer: CSVTokenizer) throws -> [String] {
        let line = tokenizer.recordLine
        var names: [String] = []
        var seen = Set<String>()
        for (i, field) in fields.enumerated() {
            let bytes = tokenizer.bytes(field)
            func refuse(_ problem: String) -> DataError {
                .badColumnName(path: path, line: line, column: i + 1, problem: problem)
            }
            guard !bytes.isEmpty else { throw refuse("is empty; name every column") }
            let shown = quoted(tokenizer.text(field), marks: false)
            guard let name = String(validating: bytes, as: UTF8.self) else {
                throw refuse("(\"\(shown)\") is not valid UTF-8; save the file as UTF-8")
            }
            if bytes.contains(where: { $0 < 32 || $0 == 127 }) {
                throw refuse("(\"\(shown)\") holds a control character; use printable names")
            }
            guard seen.insert(name).inserted else {
                throw DataError.duplicateColumn(path: path, line: line, name: name)
            }
            names.append(name)
        }
        return names
    }

    /// Where the dates are and how to read them, decided from the options and the first data row.
    private func dateSource(
        names: [String], idIndex: Int?, firstRow: [CSVField], tokenizer: CSVTokenizer,
        index: (String, String) throws -> Int
    ) throws -> DateSource {
        var given: TimestampFormat?
        if !options.dateFormat.isEmpty {
            switch TimestampFormat.pattern(options.dateFormat) {
            case let .success(format): given = format
            case let .failure(problem):
                throw DataError.badDateFormat(path: path, format: options.dateFormat, problem: problem.description)
            }
        }
        let iso = TimestampFormat.iso8601Description
        let expected = given == nil ? iso : "data.date_format \"\(quoted(options.dateFormat, marks: false))\""
        if !options.dateColumns.isEmpty {
            guard options.dateColumn.isEmpty else {
                throw DataError.badReadOptions(
                    path: path,
                    reason: "data.date_column and data.date_columns are both "
                        + "set; keep one")
            }
            let columns = try options.dateColumns.map { try index($0, "data.date_columns") }
            if let given { return DateSource(columns: columns, format: given, expected: expected) }
            let whole = columns.allSatisfy { c in
                let bytes = tokenizer.bytes(firstRow[c])
                return !bytes.isEmpty && bytes.count <= 4 && bytes.allSatisfy { (48...57).contains($0) }
            }
            if whole && (2...6).contains(columns.count) {
                let format = ["%Y", "%m", "%d", "%H", "%M", "%S"].prefix(columns.count).joined(separator: " ")
                guard case let .success(pattern) = TimestampFormat.pattern(format) else {
                    preconditionFailure("the built-in pattern \(format) is valid")
                }
                return DateSource(
                    columns: columns, format: pattern,
                    expected: "whole numbers read as " + format + " (data.date_columns)")
            }
            return DateSource(columns: columns, format: .iso8601, expected: iso + " after joining with a space")
        }
        let format = given ?? .iso8601
        if !options.dateColumn.isEmpty {
            return DateSource(
                columns: [try index(options.dateColumn, "data.date_column")], format: format,
                expected: expected)
        }
        if let date = names.firstIndex(of: "date") {
            return DateSource(columns: [date], format: format, expected: expected)
        }
        for c in names.indices where c != idIndex {
            let bytes = tokenizer.bytes(firstRow[c])
            let parsed = bytes.withUnsafeBufferPointer { buffer in
                buffer.baseAddress.flatMap { format.parse($0, buffer.count) }
            }
            if parsed != nil { return DateSource(columns: [c], format: format, expected: expected) }
        }
        throw DataError.noDateColumn(path: path, line: tokenizer.recordLine)
    }

    /// The value columns in file order: `columns` if given, else all but `excluded`; minus `drop`.
    private func valueColumns(names: [String], excluded: [Int], index: (String, String) throws -> Int) throws -> [Int] {
        var kept: [Int]
        if options.columns.isEmpty {
            kept = names.indices.filter { !excluded.contains($0) }
        } else {
            let chosen = Set(try options.columns.map { try index($0, "data.columns") })
            if let clash = chosen.first(where: excluded.contains) {
                let name = quoted(names[clash], marks: false)
                throw DataError.badReadOptions(
                    path: path,
                    reason: "data.columns names \"\(name)\", which is the date "
                        + "or id column; list value columns only")
            }
            kept = names.indices.filter(chosen.contains)
        }
        let dropped = Set(try options.drop.map { try index($0, "data.drop") })
        kept.removeAll(where: dropped.contains)
        return kept
    }

    /// Reorders rows so that each series is one block, in order of first appearance, rows in file order.
    static func groupBySeries(
        _ seriesOfRow: [Int32], names: [String], values: inout [Double], width: Int,
        timestamps: inout [Int64], lines: inout [Int]
    ) -> [TableSeries] {
        var counts = [Int](repeating: 0, count: names.count)
        for s in seriesOfRow { counts[Int(s)] += 1 }
        var starts = [Int](repeating: 0, count: names.count)
        for s in 1..<max(names.count, 1) { starts[s] = starts[s - 1] + counts[s - 1] }
        let series = names.indices.map { TableSeries(name: names[$0], rows: starts[$0]..<starts[$0] + counts[$0]) }
        guard names.count > 1 else { return series }
        var next = starts
        var (newValues, newTimes, newLines) = (values, timestamps, lines)
        for (r, s) in seriesOfRow.enumerated() {
            let to = next[Int(s)]
            next[Int(s)] += 1
            newTimes[to] = timestamps[r]
            newLines[to] = lines[r]
            for c in 0..<width { newValues[to * width + c] = values[r * width + c] }
        }
        (values, timestamps, lines) = (newValues, newTimes, newLines)
        return series
    }

    /// Removes the rows holding a NaN, keeping each series' block (series left without rows are dropped).
    static func dropMissingRows(
        series: [TableSeries], values: inout [Double], width: Int,
        timestamps: inout [Int64], lines: inout [Int]
    ) -> [TableSeries] {
        var kept = 0
        var result: [TableSeries] = []
        for s in series {
            let first = kept
            for r in s.rows where !(0..<width).contains(where: { values[r * width + $0].isNaN }) {
                for c in 0..<width { values[kept * width + c] = values[r * width + c] }
                timestamps[kept] = timestamps[r]
                lines[kept] = lines[r]
                kept += 1
            }
            if kept > first { result.append(TableSeries(name: s.name, rows: first..<kept)) }
        }
        values.removeLast(values.count - kept * width)
        timestamps.removeLast(timestamps.count - kept)
        lines.removeLast(lines.count - kept)
        return result.isEmpty ? [TableSeries(name: series.first?.name ?? "", rows: 0..<0)] : result
    }
}
