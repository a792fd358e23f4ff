// Splits the bytes of a CSV file into records of fields (RFC 4180: quoted fields may hold delimiters,
// doubled quotes and newlines), counting lines. It reads no numbers or dates; fields are byte ranges.

import SimbaCore

/// One field of a record: the bytes `start..<end` of the file (without surrounding blanks and quotes).
struct CSVField {
    var start: Int
    var end: Int
    /// Whether the field holds doubled quotes (`""`), which `CSVTokenizer.bytes` turns into one.
    var escaped: Bool
}

/// A cursor over the records of a CSV file in memory.
///
/// - Records end at `\n` (`\r\n` too) outside quotes; lines holding only blanks are skipped.
/// - A field is either unquoted (its bytes up to the next delimiter or line end, blanks trimmed;
///   a quote inside it is an ordinary byte, as pandas reads it) or quoted: blanks, `"`, any bytes
///   with `""` for a quote (delimiters and newlines included), `"`, blanks. Anything else after the
///   closing quote, or a quote that never closes, is a `DataError`.
/// - Blanks are spaces, and tabs unless the tab is the delimiter.
/// Every read is bounded by `count`.
struct CSVTokenizer {
    let base: UnsafePointer<UInt8>
    let count: Int
    let delimiter: UInt8
    let path: String
    /// The next byte to read.
    private(set) var position: Int
    /// The 1-based line of `position`.
    private(set) var line = 1
    /// The line on which the last record returned by `next` started.
    private(set) var recordLine = 0

    static let newline: UInt8 = 10, carriageReturn: UInt8 = 13, space: UInt8 = 32, tab: UInt8 = 9
    static let quote: UInt8 = 34

    init(base: UnsafePointer<UInt8>, count: Int, delimiter: UInt8, path: String, position: Int = 0) {
        self.base = base
        self.count = count
        self.delimiter = delimiter
        self.path = path
        self.position = position
    }

    func isBlank(_ byte: UInt8) -> Bool {
        byte == Self.space || (byte == Self.tab && delimiter != Self.tab)
    }

    /// The delimiter of the header line starting at `start`: the most frequent of `,` `;` and tab
    /// outside double quotes (`,` on a tie with it, or when none occurs).
    static func sniffDelimiter(_ base: UnsafePointer<UInt8>, count: Int, from start: Int) -> UInt8 {
        var (commas, semicolons, tabs) = (0, 0, 0)
        var inQuotes = false
        var i = start
        while i < count, inQuotes || base[i] != newline {
            switch base[i] {
            case quote: inQuotes.toggle()
            case 44 where !inQuotes: commas += 1
            case 59 where !inQuotes: semicolons += 1
            case tab where !inQuotes: tabs += 1
            default: break
            }
            i += 1
        }
        if semicolons > commas && semicolons >= tabs { return 59 }
        if tabs > commas && tabs > semicolons { return tab }
        return 44
    }

    /// Skips lines holding only blanks (and a `\r`); false at the end of the bytes.
    private mutating func skipBlankLines() -> Bool {
        while position < count {
            var i = position
            while i < count, base[i] == Self.space || base[i] == Self.tab || base[i] == Self.carriageReturn { i += 1 }
            if i < count, base[i] != Self.newline { return true }
            position = min(i + 1, count)
            if i < count { line += 1 }
        }
        return false
    }

    /// Reads the next record into `fields` (emptied first); false at the end of the file.
    mutating func next(into fields: inout [CSVField]) throws -> Bool {
        fields.removeAll(keepingCapacity: true)
        guard skipBlankLines() else { return false }
        recordLine = line
        var i = position
        while true {
            while i < count, isBlank(base[i]) { i += 1 }
            var field: CSVField
            if i < count, base[i] == Self.quote {
                let openLine = line
                i += 1
                field = CSVField(start: i, end: i, escaped: false)
                while true {
                    while i < count, base[i] != Self.quote {
                        if base[i] == Self.newline { line += 1 }
                        i += 1
                    }
                    guard i < count else {
                        throw DataError.unclosedQuote(path: path, line: openLine, column: fields.count + 1)
                    }
                    if i + 1 < count, base[i + 1] == Self.quote {
                        field.escaped = true
                        i += 2
                        continue
                    }
                    field.end = i
                    i += 1
                    break
                }
                while i < count, isBlank(base[i]) || base[i] == Self.carriageReturn { i += 1 }
                guard i == count || base[i] == delimiter || base[i] == Self.newline else {
                    var stop = i
                    while stop < count, stop - i < 400, base[stop] != delimiter, base[stop] != Self.newline {
                        stop += 1
                    }
                    throw DataError.textAfterQuote(
                        path: path, line: line, column: fields.count + 1,
                        text: text(i, stop))
                }
            } else {
                field = CSVField(start: i, end: i, escaped: false)
                let (base, count, delimiter) = (base, count, delimiter)
                while i < count, base[i] != delimiter, base[i] != 10 { i += 1 }
                var end = i
                if end > field.start, end < count || i == count, base[end - 1] == Self.carriageReturn,
                    i == count || base[i] == Self.newline
                {
                    end -= 1
                }
                while end > field.start, isBlank(base[end - 1]) { end -= 1 }
                field.end = end
            }
            fields.append(field)
            if i < count, base[i] == delimiter {
                i += 1
                continue
            }
            position = min(i + 1, count)
            if i < count { line += 1 }
            return true
        }
    }

    /// The field's bytes with doubled quotes made single.
    func bytes(_ field: CSVField) -> [UInt8] {
        let raw = UnsafeBufferPointer(start: base + field.start, count: field.end - field.start)
        guard field.escaped else { return Array(raw) }
        var out: [UInt8] = []
        out.reserveCapacity(raw.count)
        var skip = false
        for byte in raw {
            if skip { skip = false; continue }
            out.append(byte)
            if byte == Self.quote { skip = true }
        }
        return out
    }

    /// The start of `start..<end` as text for an error message (invalid UTF-8 replaced).
    func text(_ start: Int, _ end: Int) -> String {
        String(decoding: UnsafeBufferPointer(start: base + start, count: min(end - start, 400)), as: UTF8.self)
    }

    /// The field as text for an error message.
    func text(_ field: CSVField) -> String {
        let bytes = bytes(CSVField(start: field.start, end: min(field.end, field.start + 400), escaped: field.escaped))
        return String(decoding: bytes, as: UTF8.self)
    }
}
