// A small strict JSON parser for safetensors headers: RFC 8259 grammar over UTF-8 bytes, keys kept
// in order with duplicates visible, numbers kept as written. It knows nothing of tensors.

/// A parsed JSON value. Objects keep every member in file order (duplicates included) so the
/// caller can refuse duplicates; numbers keep their literal text so the caller can demand exact
/// integers instead of accepting whatever a Double would round them to.
enum HeaderJSON {
    case object([(key: String, value: HeaderJSON)])
    case array([HeaderJSON])
    case string(String)
    /// The literal as written, checked against the JSON number grammar.
    case number(String)
    case bool(Bool)
    case null

    /// What kind of value this is, for error messages ("an array", "a string", …).
    var kind: String {
        switch self {
        case .object: return "an object"
        case .array: return "an array"
        case .string: return "a string"
        case .number: return "a number"
        case .bool: return "a boolean"
        case .null: return "null"
        }
    }

    /// Why the bytes are not one JSON value: the byte offset (0-based, within the parsed bytes) and
    /// the problem.
    struct SyntaxError: Error {
        let offset: Int
        let problem: String
    }

    /// Deepest nesting accepted. A safetensors header needs 3 (header, tensor entry, shape); the
    /// bound keeps recursion far from the stack limit whatever the input.
    static let maxDepth = 32

    /// Most elements accepted in one array. A header's arrays are shapes and offset pairs; the
    /// bound keeps a 100 MB header of `[0,0,…]` from growing into gigabytes of parsed values.
    static let maxArrayCount = 1024

    /// Parses `bytes` as exactly one JSON value, surrounded by optional whitespace. The bytes
    /// must be valid UTF-8.
    static func parse(_ bytes: UnsafeRawBufferPointer) throws -> HeaderJSON {
        if let offset = firstInvalidUTF8(bytes) {
            throw SyntaxError(offset: offset, problem: "invalid UTF-8")
        }
        var parser = Parser(bytes: bytes)
        parser.skipWhitespace()
        let value = try parser.value(depth: 1)
        parser.skipWhitespace()
        guard parser.position == bytes.count else { throw parser.error("unexpected text after the JSON value") }
        return value
    }

    /// The offset of the first byte that does not start a valid UTF-8 sequence, or nil.
    static func firstInvalidUTF8(_ bytes: UnsafeRawBufferPointer) -> Int? {
        var decoder = UTF8()
        var iterator = bytes.makeIterator()
        var offset = 0
        while true {
            switch decoder.decode(&iterator) {
            case .scalarValue(let scalar): offset += UTF8.width(scalar)
            case .emptyInput: return nil
            case .error: return offset
            }
        }
    }

    private struct Parser {
        let bytes: UnsafeRawBufferPointer
        var position = 0

        func error(_ problem: String) -> SyntaxError { SyntaxError(offset: position, problem: problem) }

        var current: UInt8? { position < bytes.count ? bytes[position] : nil }

        mutating func skipWhitespace() {
            while let byte = current, byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 { position += 1 }
        }

        mutating func value(depth: Int) throws -> HeaderJSON {
            guard depth <= HeaderJSON.maxDepth else {
                throw error("nested deeper than \(HeaderJSON.maxDepth) levels")
            }
            guard let byte = current else { throw error("unexpected end of the header") }
            switch byte {
            case UInt8(ascii: "{"): return try object(depth: depth)
            case UInt8(ascii: "["): return try array(depth: depth)
            case UInt8(ascii: "\""): return .string(try string())
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try number())
            case UInt8(ascii: "t"): try literal("true"); return .bool(true)
            case UInt8(ascii: "f"): try literal("false"); return .bool(false)
            case UInt8(ascii: "n"): try literal("null"); return .null
            default: throw error("expected a JSON value")
            }
        }

        mutating func literal(_ word: StaticString) throws {
            let count = word.utf8CodeUnitCount
            guard bytes.count - position >= count,
                (0..<count).allSatisfy({ bytes[position + $0] == word.utf8Start[$0] })
            else { throw error("expected a JSON value") }
            position += count
        }

        mutating func object(depth: Int) throws -> HeaderJSON {
            position += 1
            var members: [(key: String, value: HeaderJSON)] = []
            skipWhitespace()
            if current == UInt8(ascii: "}") {
                position += 1
                return .object(members)
            }
            while true {
                skipWhitespace()
                guard current == UInt8(ascii: "\"") else { throw error("expected a string key") }
                let key = try string()
                skipWhitespace()
                guard current == UInt8(ascii: ":") else { throw error("expected ':' after a key") }
                position += 1
                skipWhitespace()
                members.append((key, try value(depth: depth + 1)))
                skipWhitespace()
                switch current {
                case UInt8(ascii: ","): position += 1
                case UInt8(ascii: "}"): position += 1; return .object(members)
                default: throw error("expected ',' or '}' in an object")
                }
            }
        }

        mutating func array(depth: Int) throws -> HeaderJSON {
            position += 1
            var elements: [HeaderJSON] = []
            skipWhitespace()
            if current == UInt8(ascii: "]") {
                position += 1
                return .array(elements)
            }
            while true {
                skipWhitespace()
                guard elements.count < HeaderJSON.maxArrayCount else {
                    throw error("an array longer than \(HeaderJSON.maxArrayCount) elements")
                }
                elements.append(try value(depth: depth + 1))
                skipWhitespace()
                switch current {
                case UInt8(ascii: ","): position += 1
                case UInt8(ascii: "]"): position += 1; return .array(elements)
                default: throw error("expected ',' or ']' in an array")
                }
            }
        }

        /// A string starting at the opening quote; the bytes are already known to be valid UTF-8.
        mutating func string() throws -> String {
            position += 1
            var utf8: [UInt8] = []
            while true {
                guard let byte = current else { throw error("unterminated string") }
                switch byte {
                case UInt8(ascii: "\""):
                    position += 1
                    return String(decoding: utf8, as: UTF8.self)
                case UInt8(ascii: "\\"):
                    position += 1
                    try escape(into: &utf8)
                case 0..<0x20:
                    throw error("control character in a string (escape it)")
                default:
                    utf8.append(byte)
                    position += 1
                }
            }
        }

        /// One escape after its backslash, appended as UTF-8.
        mutating func escape(into utf8: inout [UInt8]) throws {
            guard let byte = current else { throw error("unterminated string") }
            position += 1
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): utf8.append(byte)
            case UInt8(ascii: "b"): utf8.append(0x08)
            case UInt8(ascii: "f"): utf8.append(0x0C)
            case UInt8(ascii: "n"): utf8.append(0x0A)
            case UInt8(ascii: "r"): utf8.append(0x0D)
            case UInt8(ascii: "t"): utf8.append(0x09)
            case UInt8(ascii: "u"): try unicodeEscape(into: &utf8)
            default:
                position -= 1
                throw error("unknown escape in a string")
            }
        }

        /// The rest of a `\uXXXX` escape (with its low surrogate escape when it is a high surrogate).
        mutating func unicodeEscape(into utf8: inout [UInt8]) throws {
            var code = try hex4()
            if (0xD800..<0xDC00).contains(code) {
                let unpaired = "a high surrogate escape must be followed by a low surrogate escape"
                guard bytes.count - position >= 2, bytes[position] == UInt8(ascii: "\\"),
                    bytes[position + 1] == UInt8(ascii: "u")
                else { throw error(unpaired) }
                position += 2
                let low = try hex4()
                guard (0xDC00..<0xE000).contains(low) else { throw error(unpaired) }
                code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
            } else if (0xDC00..<0xE000).contains(code) {
                throw error("a low surrogate escape without a high one")
            }
            utf8.append(contentsOf: UTF8.encode(Unicode.Scalar(code)!)!)
        }

        mutating func hex4() throws -> UInt32 {
            var code: UInt32 = 0
            for _ in 0..<4 {
                guard let byte = current, let digit = Self.hexValue(byte) else {
                    throw error("\\u needs four hex digits")
                }
                code = code << 4 | digit
                position += 1
            }
            return code
        }

        static func hexValue(_ byte: UInt8) -> UInt32? {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): return UInt32(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): return UInt32(byte - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): return UInt32(byte - UInt8(ascii: "A") + 10)
            default: return nil
            }
        }

        /// A number literal per the JSON grammar: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?
        mutating func number() throws -> String {
            let start = position
            if current == UInt8(ascii: "-") { position += 1 }
            if current == UInt8(ascii: "0") {
                position += 1
            } else {
                guard digits() > 0 else { throw error("expected a digit in a number") }
            }
            if current == UInt8(ascii: ".") {
                position += 1
                guard digits() > 0 else { throw error("expected a digit after '.' in a number") }
            }
            if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
                position += 1
                if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { position += 1 }
                guard digits() > 0 else { throw error("expected a digit in a number's exponent") }
            }
            return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)
        }

        /// Skips ASCII digits; returns how many.
        mutating func digits() -> Int {
            let start = position
            while let byte = current, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) { position += 1 }
            return position - start
        }
    }
}
