// `simba predict --logits`: raw model outputs streamed to a .npy or .safetensors file as batches
// arrive, with the image paths in a text file beside it. It computes nothing from the logits.

import Foundation
import SimbaCore

/// An (images, classes) float32 array written batch by batch, so memory stays one batch however
/// many images there are. The header is reserved for `capacity` rows and filled in with the real
/// count at `commit()` (space-padded to the same length, which both formats allow).
///
/// - `.npy` (NumPy format 1.0, `<f4`, C order, shape (images, classes)).
/// - `.safetensors`: one F32 tensor `logits` of shape [images, classes]; `__metadata__` holds
///   `format: pt`, `class_names` (a JSON list) and `paths` (the name of the paths file).
///
/// Row i belongs to line i of the paths file (`pathsFile(for:)`: `NAME.paths.txt` beside `NAME.npy`
/// or `NAME.safetensors`), one path a line. Both files are written atomically at `commit()`; dropped
/// before it, neither appears.
public final class LogitsFile {
    public enum Format: String, Sendable {
        case npy, safetensors
    }

    public let path: String
    public let format: Format
    public let classes: Int
    private let data: AtomicFileStream
    private let paths: AtomicFileStream
    private let classNames: [String]
    private let headerLength: Int
    private var rows = 0

    /// The format a file name asks for (by its extension, any letter case), or nil.
    public static func format(of path: String) -> Format? {
        Format(rawValue: URL(fileURLWithPath: path).pathExtension.lowercased())
    }

    /// The paths file written beside the logits file at `path`.
    public static func pathsFile(for path: String) -> String {
        (path as NSString).deletingPathExtension + ".paths.txt"
    }

    /// Opens the temporary files for at most `capacity` rows of `classNames.count` logits; `path`
    /// must end in .npy or .safetensors.
    public init(path: String, capacity: Int, classNames: [String]) throws {
        guard let format = Self.format(of: path) else {
            preconditionFailure("not a .npy or .safetensors name: \(path)")
        }
        self.path = path
        self.format = format
        self.classNames = classNames
        classes = classNames.count
        data = try AtomicFileStream(path: path)
        paths = try AtomicFileStream(path: Self.pathsFile(for: path))
        let header = Self.header(
            format: format, rows: capacity, classes: classes, classNames: classNames,
            pathsName: URL(fileURLWithPath: Self.pathsFile(for: path)).lastPathComponent,
            length: nil)
        headerLength = header.count
        try data.append(header)
    }

    /// Appends the batch's logits and paths.
    public func append(_ batch: PredictionBatch) throws {
        try data.append(Data(buffer: UnsafeBufferPointer(start: batch.logits, count: batch.count * classes)))
        try paths.append(Data(batch.paths.map { $0 + "\n" }.joined().utf8))
        rows += batch.count
    }

    /// Writes the header for the rows appended and publishes both files.
    public func commit() throws {
        let header = Self.header(
            format: format, rows: rows, classes: classes, classNames: classNames,
            pathsName: URL(fileURLWithPath: Self.pathsFile(for: path)).lastPathComponent,
            length: headerLength)
        try data.write(header, at: 0)
        try paths.commit()
        try data.commit()
    }

    /// The header bytes for `rows` rows, padded with spaces to `length` bytes when given (else to the
    /// format's alignment: 64 bytes for .npy, 8 for safetensors).
    static func header(
        format: Format, rows: Int, classes: Int, classNames: [String], pathsName: String,
        length: Int?
    ) -> Data {
        switch format {
        case .npy:
            let dictionary = "{'descr': '<f4', 'fortran_order': False, 'shape': (\(rows), \(classes)), }"
            let total = length ?? (10 + dictionary.utf8.count + 1 + 63) / 64 * 64
            let text = dictionary + String(repeating: " ", count: total - 10 - dictionary.utf8.count - 1) + "\n"
            let textLength = UInt16(text.utf8.count)
            return Data(
                [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(textLength & 0xFF), UInt8(textLength >> 8)]
                    + Array(text.utf8))
        case .safetensors:
            let names = "[" + classNames.map(PredictionRows.jsonString).joined(separator: ",") + "]"
            let metadata =
                "\"__metadata__\":{\"class_names\":\(PredictionRows.jsonString(names)),"
                + "\"format\":\"pt\",\"paths\":\(PredictionRows.jsonString(pathsName))}"
            let tensor =
                "\"logits\":{\"dtype\":\"F32\",\"shape\":[\(rows),\(classes)],"
                + "\"data_offsets\":[0,\(rows * classes * 4)]}"
            let json = "{" + metadata + "," + tensor + "}"
            let total = length ?? (8 + json.utf8.count + 7) / 8 * 8
            let text = json + String(repeating: " ", count: total - 8 - json.utf8.count)
            var size = UInt64(text.utf8.count).littleEndian
            return withUnsafeBytes(of: &size) { Data($0) } + Data(text.utf8)
        }
    }
}
