// Lists the images `simba predict` is given: image files, folders walked recursively (any layout) and
// list files, in a fixed order. It does not open or decode the images, and assigns no labels.

import Foundation
import SimbaCore

/// The image paths named by a command line's inputs, in order.
///
/// Each input is one of:
/// - a list file: `@FILE` (any name) or a file whose name ends in `.txt` (any letter case). Each
///   line names an image file or a folder (taken as below); blank lines and lines starting with `#`
///   are skipped, spaces around a line are dropped, relative paths are relative to the list file's
///   folder. A line naming a missing file is kept (it is reported as unreadable when decoded); a
///   line naming another list file is an error, as lists do not nest.
/// - a folder: every file in it or any sub-folder whose extension is .jpeg, .jpg or .png (any
///   letter case), sorted byte-wise by path. Names starting with "." are skipped; links are followed
///   (to files and folders, anywhere), but every folder is walked once (by device and inode), so a
///   link loop ends; names that are not UTF-8 or hold a line break are skipped with a warning.
/// - any other file: an image, whatever its name (the decoder goes by the file's first bytes); one
///   that is not a regular file (a pipe, a device) is skipped with a warning.
///
/// Inputs keep the order given, and a file named twice is listed twice. Whether a file really is
/// a PNG or JPEG is decided later, when it is decoded.
public struct ImageInputs: Sendable {
    /// The image paths, in order: as given (or joined to the list file's folder, or to the folder
    /// walked), never resolved through links.
    public let paths: [String]
    /// One line per input or entry that was skipped, or folder that held no image.
    public let warnings: [String]

    /// Lists `inputs` (command-line arguments). A missing input, an unreadable list file or folder,
    /// a nested list, a path holding a line break and inputs that name no image at all throw
    /// `ImageInputError`.
    public init(_ inputs: [String]) throws {
        var lister = Lister()
        for input in inputs {
            if input.hasPrefix("@") {
                try lister.addList(String(input.dropFirst()))
            } else if FolderListing.isDirectory(input) {
                try lister.addFolder(input)
            } else if FileSystem.status(input, followingLinks: true) == nil {
                throw ImageInputError.missing(path: input)
            } else if Self.isListName(input) {
                try lister.addList(input)
            } else {
                try lister.addFile(input, source: nil)
            }
        }
        guard !lister.paths.isEmpty else { throw ImageInputError.noImages(warnings: lister.warnings) }
        paths = lister.paths
        warnings = lister.warnings
    }

    /// Whether a file called `path` is read as a list file (its name ends in `.txt`).
    public static func isListName(_ path: String) -> Bool {
        path.lowercased().hasSuffix(".txt")
    }
}

/// Collects paths and warnings over the inputs.
private struct Lister {
    var paths: [String] = []
    var warnings: [String] = []

    /// Adds the file at `path` (named on the command line, or at `source`, a list's file:line),
    /// unless it exists and is not a regular file (a pipe or device, which a read could block on).
    mutating func addFile(_ path: String, source: String?) throws {
        guard !path.contains(where: \.isNewline) else {
            throw ImageInputError.lineBreak(path: path, source: source)
        }
        if FileSystem.status(path, followingLinks: true)?.kind == .other {
            warnings.append((source.map { "\($0): " } ?? "") + "skipped \(path): not a regular file")
            return
        }
        paths.append(path)
    }

    mutating func addList(_ list: String) throws {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: list))
        } catch {
            throw ImageInputError.unreadableList(path: list, reason: error.localizedDescription)
        }
        guard let text = String(validating: data, as: UTF8.self) else {
            throw ImageInputError.unreadableList(path: list, reason: "it is not UTF-8 text")
        }
        let folder = (list as NSString).deletingLastPathComponent
        let before = paths.count
        for (index, raw) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            let path = line.hasPrefix("/") || folder.isEmpty ? line : folder + "/" + line
            let location = "\(list):\(index + 1)"
            if line.hasPrefix("@") || ImageInputs.isListName(line) {
                throw ImageInputError.nestedList(location: location, line: line)
            }
            if FolderListing.isDirectory(path) {
                try addFolder(path)
            } else {
                try addFile(path, source: location)
            }
        }
        if paths.count == before { warnings.append("\(list): the list names no image") }
    }

    /// Adds the images under `folder`, sorted byte-wise by path.
    mutating func addFolder(_ folder: String) throws {
        var found: [String] = []
        var walked: Set<FileIdentity> = []
        var stack = [folder]
        while let current = stack.popLast() {
            guard let identity = FileSystem.status(current, followingLinks: true)?.identity,
                walked.insert(identity).inserted
            else {
                warnings.append("skipped \(current): the folder was listed already under another path")
                continue
            }
            let listing = try FolderListing.entries(of: current)
            for name in listing.undecodable {
                warnings.append("skipped \(current)/\(name): the name is not valid UTF-8; rename it")
            }
            for entry in listing.entries {
                let path = current + "/" + entry.name
                var kind = entry.kind
                if kind == .link {
                    guard let target = FileSystem.status(path, followingLinks: true) else {
                        warnings.append("skipped link \(path): it leads nowhere (\(String(cString: strerror(errno))))")
                        continue
                    }
                    kind = target.kind
                }
                switch kind {
                case .directory:
                    stack.append(path)
                case .regular where FolderListing.isImageName(entry.name):
                    if entry.name.contains(where: \.isNewline) {
                        warnings.append("skipped \(quoted(path)): the name holds a line break; rename it")
                    } else {
                        found.append(path)
                    }
                case .other where FolderListing.isImageName(entry.name):
                    warnings.append("skipped \(path): not a regular file")
                default:
                    continue
                }
            }
        }
        if found.isEmpty { warnings.append("\(folder): no .jpeg/.jpg/.png file in the folder or its sub-folders") }
        paths += found.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    }
}

/// An input of `simba predict` that cannot be listed; names it and says what to do.
public enum ImageInputError: Error, CustomStringConvertible, Equatable {
    case missing(path: String)
    case unreadableList(path: String, reason: String)
    case nestedList(location: String, line: String)
    case lineBreak(path: String, source: String?)
    case noImages(warnings: [String])
    case noneReadable(count: Int)

    public var description: String {
        switch self {
        case let .missing(path):
            return "\(quoted(path)): no such file or folder; give image files, folders or list files (@FILE or "
                + "FILE.txt)"
        case let .unreadableList(path, reason):
            return "\(path): cannot read the list file (\(reason)); give a UTF-8 text file with one image path "
                + "or folder a line"
        case let .nestedList(location, line):
            return "\(location): \(quoted(line)) is a list file, and lists do not nest; name its images or "
                + "folders instead"
        case let .lineBreak(path, source):
            return (source.map { "\($0): " } ?? "") + "the path \(quoted(path)) holds a line break; rename the file"
        case let .noImages(warnings):
            let why =
                warnings.isEmpty
                ? ""
                : " (" + warnings.prefix(3).joined(separator: "; ")
                    + (warnings.count > 3 ? "; and \(warnings.count - 3) more" : "") + ")"
            return "the inputs name no image file\(why); give image files, folders holding .jpeg/.jpg/.png files, "
                + "or list files naming them"
        case let .noneReadable(count):
            return "none of the \(count) images could be read (each is listed above); no output file was written"
        }
    }
}
