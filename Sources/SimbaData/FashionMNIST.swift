// Reads Fashion-MNIST's IDX files (gzip-compressed, as Debian's dataset-fashion-mnist ships them)
// and writes them as an ImageNet-layout folder of grayscale PNGs. It does not download anything.

import Foundation
import SimbaCore

/// Fashion-MNIST (Xiao et al. 2017, MIT license): 60,000 train and 10,000 test 28×28 gray images,
/// 10 classes. `convert` writes `root/train/<class>/<index>.png` and `root/val/<class>/<index>.png`
/// (the test set becomes `val`; index = the image's position in its IDX file, 5 digits, so the
/// byte-wise file order is the IDX order).
///
/// gzip: Foundation on Linux has no gzip and linking zlib would need a new system-library target,
/// so `.gz` files are decompressed by running `/bin/gzip -dc` (Debian's essential gzip package
/// always installs it).
public enum FashionMNIST {
    /// Class names in label order (the dataset's names with "/" and spaces replaced for folder names).
    public static let classNames = [
        "T-shirt_top", "Trouser", "Pullover", "Dress", "Coat",
        "Sandal", "Shirt", "Sneaker", "Bag", "Ankle_boot"
    ]
    /// Where `apt-get install dataset-fashion-mnist` puts the files.
    public static let debianFolder = "/usr/share/datasets/fashion-mnist"
    static let imageMagic: UInt32 = 0x0000_0803
    static let labelMagic: UInt32 = 0x0000_0801

    /// The images of an IDX3 file: `count` images of rows × columns bytes, (count, rows, columns).
    public struct Images: Equatable, Sendable {
        public let count: Int
        public let rows: Int
        public let columns: Int
        public let pixels: [UInt8]
    }

    /// Parses an IDX3 unsigned-byte image file: magic 0x00000803, count, rows, columns (big-endian
    /// 32-bit), then the pixels; the size must match exactly.
    public static func parseImages(_ data: Data, source: String) throws -> Images {
        let bytes = [UInt8](data)
        try checkMagic(bytes, expected: imageMagic, kind: "image (IDX3)", source: source)
        guard bytes.count >= 16 else {
            throw FashionMNISTError.truncated(path: source, expected: 16, found: bytes.count)
        }
        let count = bigEndian(bytes, 4), rows = bigEndian(bytes, 8), columns = bigEndian(bytes, 12)
        guard rows > 0 && columns > 0 else {
            throw FashionMNISTError.badDimensions(path: source, rows: rows, columns: columns)
        }
        let expected = 16 + count * rows * columns
        guard bytes.count == expected else {
            throw bytes.count < expected
                ? FashionMNISTError.truncated(path: source, expected: expected, found: bytes.count)
                : FashionMNISTError.trailingBytes(path: source, expected: expected, found: bytes.count)
        }
        return Images(count: count, rows: rows, columns: columns, pixels: Array(bytes[16...]))
    }

    /// Parses an IDX1 unsigned-byte label file: magic 0x00000801, count, then one byte a label,
    /// each below the 10 classes.
    public static func parseLabels(_ data: Data, source: String) throws -> [UInt8] {
        let bytes = [UInt8](data)
        try checkMagic(bytes, expected: labelMagic, kind: "label (IDX1)", source: source)
        guard bytes.count >= 8 else { throw FashionMNISTError.truncated(path: source, expected: 8, found: bytes.count) }
        let count = bigEndian(bytes, 4)
        let expected = 8 + count
        guard bytes.count == expected else {
            throw bytes.count < expected
                ? FashionMNISTError.truncated(path: source, expected: expected, found: bytes.count)
                : FashionMNISTError.trailingBytes(path: source, expected: expected, found: bytes.count)
        }
        let labels = Array(bytes[8...])
        if let bad = labels.firstIndex(where: { Int($0) >= classNames.count }) {
            throw FashionMNISTError.labelOutOfRange(path: source, index: bad, value: Int(labels[bad]))
        }
        return labels
    }

    /// The file's bytes, gunzipped when its name ends in ".gz".
    public static func read(_ path: String) throws -> Data {
        guard FileManager.default.fileExists(atPath: path) else { throw FashionMNISTError.missingFile(path: path) }
        guard path.hasSuffix(".gz") else {
            do { return try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
                throw FashionMNISTError.unreadable(path: path, reason: error.localizedDescription)
            }
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/gzip")
        process.arguments = ["-dc", path]
        let output = Pipe(), errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        do { try process.run() } catch {
            throw FashionMNISTError.unreadable(
                path: path, reason: "cannot run /bin/gzip (\(error.localizedDescription)); install gzip")
        }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            let text = message.trimmingCharacters(in: .whitespacesAndNewlines)
            throw FashionMNISTError.unreadable(
                path: path, reason: "gzip failed: \(text.isEmpty ? "status \(process.terminationStatus)" : text)")
        }
        return data
    }

    /// Writes `root/train/<class>/NNNNN.png` (from `train-*`) and `root/val/<class>/NNNNN.png`
    /// (from `t10k-*`) from the four IDX files in `source`; returns the image counts. Each split is
    /// written to a hidden staging folder and renamed into place when complete, so an interrupted
    /// conversion leaves no half split; an existing split folder is an error (nothing is overwritten).
    @discardableResult
    public static func convert(from source: String = debianFolder, to root: String) throws -> (train: Int, val: Int) {
        let splits = [("train", "train"), ("val", "t10k")]
        for (split, _) in splits where FileManager.default.fileExists(atPath: root + "/" + split) {
            throw FashionMNISTError.destinationExists(path: root + "/" + split)
        }
        var counts: [Int] = []
        for (split, prefix) in splits {
            let imagePath = source + "/\(prefix)-images-idx3-ubyte.gz"
            let labelPath = source + "/\(prefix)-labels-idx1-ubyte.gz"
            let images = try parseImages(read(imagePath), source: imagePath)
            let labels = try parseLabels(read(labelPath), source: labelPath)
            guard images.count == labels.count else {
                throw FashionMNISTError.countMismatch(
                    images: imagePath, imageCount: images.count, labels: labelPath, labelCount: labels.count)
            }
            try write(images, labels: labels, to: root + "/" + split)
            counts.append(images.count)
        }
        return (counts[0], counts[1])
    }

    /// Writes the images as gray PNGs into `folder/<class>/` (a folder for each label present)
    /// through a staging folder beside it.
    static func write(_ images: Images, labels: [UInt8], to folder: String) throws {
        let url = URL(fileURLWithPath: folder)
        let staging = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).partial").path
        let manager = FileManager.default
        do {
            if manager.fileExists(atPath: staging) { try manager.removeItem(atPath: staging) }
            for label in Set(labels) {
                try manager.createDirectory(
                    atPath: staging + "/" + classNames[Int(label)], withIntermediateDirectories: true)
            }
        } catch {
            throw FashionMNISTError.unwritable(path: staging, reason: error.localizedDescription)
        }
        let size = images.rows * images.columns
        let lock = NSLock()
        var firstError: Error?
        let chunks = max(1, ProcessInfo.processInfo.activeProcessorCount)
        DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
            for i in (images.count * chunk / chunks)..<(images.count * (chunk + 1) / chunks) {
                let picture = ByteImage(
                    width: images.columns, height: images.rows, channels: 1,
                    pixels: Array(images.pixels[(i * size)..<((i + 1) * size)]))
                let path = staging + "/" + classNames[Int(labels[i])] + "/" + String(format: "%05d.png", i)
                do {
                    try PNG.encode(picture).write(to: URL(fileURLWithPath: path))
                } catch {
                    lock.lock()
                    if firstError == nil { firstError = FashionMNISTError.unwritable(path: path, reason: "\(error)") }
                    lock.unlock()
                    return
                }
            }
        }
        if let firstError { throw firstError }
        guard rename(staging, folder) == 0 else {
            throw FashionMNISTError.unwritable(path: folder, reason: String(cString: strerror(errno)))
        }
    }

    private static func bigEndian(_ bytes: [UInt8], _ offset: Int) -> Int {
        (Int(bytes[offset]) << 24) | (Int(bytes[offset + 1]) << 16) | (Int(bytes[offset + 2]) << 8)
            | Int(bytes[offset + 3])
    }

    private static func checkMagic(_ bytes: [UInt8], expected: UInt32, kind: String, source: String) throws {
        guard bytes.count >= 4 else { throw FashionMNISTError.truncated(path: source, expected: 4, found: bytes.count) }
        let magic = UInt32(bigEndian(bytes, 0))
        guard magic == expected else {
            throw FashionMNISTError.badMagic(path: source, found: magic, expected: expected, kind: kind)
        }
    }
}

/// A problem with Fashion-MNIST's files or the folder being written; names the file and says what to do.
public enum FashionMNISTError: Error, CustomStringConvertible, Equatable {
    case missingFile(path: String)
    case unreadable(path: String, reason: String)
    case badMagic(path: String, found: UInt32, expected: UInt32, kind: String)
    case truncated(path: String, expected: Int, found: Int)
    case trailingBytes(path: String, expected: Int, found: Int)
    case badDimensions(path: String, rows: Int, columns: Int)
    case labelOutOfRange(path: String, index: Int, value: Int)
    case countMismatch(images: String, imageCount: Int, labels: String, labelCount: Int)
    case destinationExists(path: String)
    case unwritable(path: String, reason: String)

    public var description: String {
        func hex(_ v: UInt32) -> String { "0x" + String(format: "%08X", v) }
        switch self {
        case let .missingFile(path):
            return
                "\(path): no such file; install the data with `apt-get install dataset-fashion-mnist` or give the "
                + "folder holding the four *-ubyte.gz files"
        case let .unreadable(path, reason):
            return
                "\(path): cannot read the file (\(reason)); check it is a complete gzip file (re-install "
                + "dataset-fashion-mnist)"
        case let .badMagic(path, found, expected, kind):
            return
                "\(path): magic number \(hex(found)), not \(hex(expected)); this is not an unsigned-byte IDX \(kind) "
                + "file"
        case let .truncated(path, expected, found):
            return
                "\(path): the file has \(found) bytes but its header announces \(expected); the file is truncated, "
                + "download or install it again"
        case let .trailingBytes(path, expected, found):
            return
                "\(path): the file has \(found) bytes but its header announces \(expected); the header and data "
                + "disagree, use an unmodified file"
        case let .badDimensions(path, rows, columns):
            return "\(path): image size \(rows)×\(columns) is not positive; the header is damaged"
        case let .labelOutOfRange(path, index, value):
            return
                "\(path): label \(index) is \(value), outside the 10 classes 0…9; use an unmodified Fashion-MNIST "
                + "label file"
        case let .countMismatch(images, imageCount, labels, labelCount):
            return
                "\(images) holds \(imageCount) images but \(labels) holds \(labelCount) labels; use the image and "
                + "label files of the same split"
        case let .destinationExists(path):
            return "\(path) already exists; remove it or convert into another folder"
        case let .unwritable(path, reason):
            return "cannot write \(path) (\(reason)); check the folder's permissions and free space"
        }
    }
}
