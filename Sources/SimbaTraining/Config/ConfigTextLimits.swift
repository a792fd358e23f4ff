// Bounds on config text before the YAML parser sees it: its size and how deeply it nests. The parser
// recurses once per level, so text nested thousands deep would overflow the stack; this refuses it first.

/// Size and nesting bounds for YAML config text (a config file, or the value of a `--set`).
///
/// Nesting is counted from the text alone, without parsing: indentation levels (a stack of the
/// indentation widths open above a line, as Python counts blocks), `- ` and `? ` markers that open a
/// nested block on the same line, and open flow brackets `[` `{` (across lines, even inside a plain
/// scalar). Brackets inside quoted scalars on one line, comments and block scalars (`|` or `>` right
/// after `: `, `- `, `? ` or at a line's start) are not counted. Wherever it is unsure it counts, so
/// the count is never lower than the parser's depth: anything it accepts parses within `maxDepth` levels.
enum ConfigTextLimits {
    /// 1 MiB; simba's own configs are under 4 KiB.
    static let maxBytes = 1 << 20
    /// A config is two levels deep (section, key); 64 leaves room for any YAML a user might write.
    static let maxDepth = 64

    /// Why `text` must not be parsed, with the 1-based line concerned (nil for the whole text), or nil.
    static func problem(in text: String) -> (line: Int?, message: String)? {
        if text.utf8.count > maxBytes {
            return (
                nil,
                "config text is \(text.utf8.count) bytes, more than the \(maxBytes) (1 MiB) simba reads; "
                    + "a config holds a few dozen keys"
            )
        }
        var indents: [Int] = []
        var flowDepth = 0
        var blockScalarIndent: Int?
        var lineNumber = 0
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            let bytes = Array(line.utf8)
            var column = 0
            while column < bytes.count, bytes[column] == UInt8(ascii: " ") { column += 1 }
            let blank =
                column == bytes.count || bytes[column] == UInt8(ascii: "#")
                || bytes[column] == UInt8(ascii: "\r")
            if let scalarIndent = blockScalarIndent {
                if blank || column > scalarIndent { continue }
                blockScalarIndent = nil
            }
            if blank { continue }
            var depth = 0
            while let last = indents.last, last > column { indents.removeLast() }
            if indents.last != column { indents.append(column) }
            // `- - a` and `? - a` open one nested block per marker.
            var i = column
            while i + 1 < bytes.count, bytes[i] == UInt8(ascii: "-") || bytes[i] == UInt8(ascii: "?"),
                bytes[i + 1] == UInt8(ascii: " ")
            {
                depth += 1
                i += 2
                while i < bytes.count, bytes[i] == UInt8(ascii: " ") { i += 1 }
            }
            depth += indents.count
            let scan = scanFlow(bytes, from: column, depth: &flowDepth)
            if depth + scan.deepest > maxDepth {
                return (
                    lineNumber,
                    "config text nests more than \(maxDepth) levels deep (indentation, '- ' items and "
                        + "'[' '{' brackets); a config needs two levels, 'section:' then 'key: value'"
                )
            }
            if flowDepth == 0, scan.opensBlockScalar { blockScalarIndent = column }
        }
        return nil
    }

    /// Scans one line outside quotes and comments, updating the open flow brackets; returns the most
    /// brackets open at once on the line and whether it ends with a block scalar indicator.
    private static func scanFlow(_ bytes: [UInt8], from start: Int, depth: inout Int)
        -> (deepest: Int, opensBlockScalar: Bool)
    {
        var deepest = depth
        var quote: UInt8?
        var last: UInt8 = UInt8(ascii: " ")
        var end = bytes.count
        var i = start
        while i < bytes.count {
            let byte = bytes[i]
            if let open = quote {
                if open == UInt8(ascii: "\"") && byte == UInt8(ascii: "\\") {
                    i += 2
                    continue
                }
                if byte == open { quote = nil }
            } else if byte == UInt8(ascii: "#") && (last == UInt8(ascii: " ") || last == UInt8(ascii: "\t")) {
                end = i
                break
            } else if (byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'"))
                && (depth > 0 || " \t:[{,-?".utf8.contains(last))
            {
                quote = byte
            } else if byte == UInt8(ascii: "[") || byte == UInt8(ascii: "{") {
                depth += 1
                deepest = max(deepest, depth)
            } else if (byte == UInt8(ascii: "]") || byte == UInt8(ascii: "}")) && depth > 0 {
                depth -= 1
            }
            last = byte
            i += 1
        }
        let content = bytes[start..<end].reversed().drop { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\r") }
        let indicator = content.prefix {
            $0 == UInt8(ascii: "+") || $0 == UInt8(ascii: "-")
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0)
        }
        let rest = content.dropFirst(indicator.count)
        let before = rest.dropFirst().drop { $0 == UInt8(ascii: " ") }
        let opens =
            quote == nil && (rest.first == UInt8(ascii: "|") || rest.first == UInt8(ascii: ">"))
            && (rest.dropFirst().first.map { $0 == UInt8(ascii: " ") } ?? true)
            && (before.first.map { ":-?".utf8.contains($0) } ?? true)
        return (deepest, opens)
    }
}
