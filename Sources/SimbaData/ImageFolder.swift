// Lists an ImageNet-layout folder (root/<split>/<class>/<image>): split folder, class names and
// labelled image paths. It does not open or decode the images.

import Foundation
import SimbaCore

/// One labelled image file of an `ImageFolder`.
public struct ImageSample: Equatable, Sendable {
    public let path: String
    /// Index into `ImageFolder.classNames`.
    public let label: Int

    public init(path: String, label: Int) {
        self.path = path
        self.label = label
    }
}

/// An image-classification split in the ImageNet layout: `root/train/<class>/*.JPEG` (or `training`),
/// `root/val/<class>/…` (or `valid`, `validation`), or `root/<class>/…` when root holds class
/// folders and no split folder.
///
/// Class index rule: without a class map, class names are the class folders' names sorted
/// byte-wise (UTF-8 byte order, so "B" < "a" < "b" < "b10" < "b2"; the order of torchvision's
/// `ImageFolder`, and of timm's natural-key order for names without digit runs such as ImageNet's
/// `n01440764`), except that when every name is a whole number (ImageNet-V2's `0` … `999`) they
/// sort by value, as timm's natural order does (`classOrder` says which). With a class map (a text
/// file, one class name a line, blank lines ignored) the class index is the line's position, and
/// every class folder must be listed.
///
/// Images are the files (in any subfolder of a class folder) whose extension is .jpeg, .jpg or .png
/// in any letter case; the format is decided later from the file's bytes. Names starting with "."
/// are ignored, and so are files that are not regular files (pipes, devices). Samples are sorted
/// byte-wise by path.
///
/// Links and odd names: a symbolic link (to a class folder, a sub-folder or an image file) is
/// followed only when its target's real path lies inside the split folder's real path; a link that
/// leads outside (or nowhere) is skipped. Every folder is walked at most once (by device and inode),
/// and what a plain walk reaches wins over links: a link to the split folder, to a folder listed
/// already (`loop -> .`, `up -> ..`) or into another class folder is skipped, and a link to an image
/// file listed already is skipped, so each file is listed once, under its class folder's label. A
/// link to an image file found nowhere else (say in a hidden folder) is listed under the link's own
/// path. A class folder that is a link must lead inside the split folder but not into (or around)
/// another class folder. Names that are not valid UTF-8 are skipped. Each skip adds a line to
/// `warnings`; print them. Training and evaluation list their splits through this same type.
public struct ImageFolder: Sendable {
    public let root: String
    /// The split folder found (or `root` itself).
    public let splitPath: String
    public let classNames: [String]
    /// How `classNames` was ordered, for the log: "byte-wise", "numeric" or "the class map's".
    public let classOrder: String
    public let samples: [ImageSample]
    /// One line per link or entry skipped while listing (see "Links and odd names" above), each
    /// starting "skipped"; empty for a plain folder.
    public let warnings: [String]

    /// Folder names tried for a split, in order; any other split name is looked up as given.
    public static func splitFolderNames(for split: String) -> [String] {
        switch split {
        case "train": return ["train", "training"]
        case "val": return ["val", "valid", "validation"]
        default: return [split]
        }
    }

    /// Extensions (lower case) of the files taken as images.
    public static let imageExtensions: Set<String> = ["jpeg", "jpg", "png"]

    /// Finds the `split` folder under `root` (see the type's comment) and lists its classes and images.
    public init(root: String, split: String, classMap: String? = nil) throws {
        guard FolderListing.isDirectory(root) else { throw ImageFolderError.rootMissing(root: root) }
        self.root = root
        let tried = ImageFolder.splitFolderNames(for: split)
        let rootFolders = try FolderListing.entries(of: root).entries.filter { entry in
            entry.kind == .directory || entry.kind == .link && FolderListing.isDirectory(root + "/" + entry.name)
        }.map(\.name)
        if let found = tried.first(where: rootFolders.contains) {
            splitPath = root + "/" + found
        } else if rootFolders.contains(where: { FolderListing.hasImage(root + "/" + $0) }) {
            splitPath = root
        } else {
            throw ImageFolderError.noSplitFolder(root: root, split: split, tried: tried)
        }
        let listing = try SplitFolderListing(splitPath: splitPath)
        let folders = try listing.classFolders()
        guard !folders.isEmpty else { throw ImageFolderError.noClassFolders(folder: splitPath) }
        if let classMap {
            classNames = try ImageFolder.readClassMap(classMap, folders: folders, splitPath: splitPath)
            classOrder = "the class map's"
        } else if folders.allSatisfy(Self.isWholeNumber) {
            classNames = folders.sorted(by: Self.numericOrder)
            classOrder = "numeric"
        } else {
            classNames = folders
            classOrder = "byte-wise"
        }
        var samples: [ImageSample] = []
        for (label, files) in try listing.images(of: classNames).enumerated() {
            guard !files.isEmpty else { throw ImageFolderError.emptyClass(folder: splitPath + "/" + classNames[label]) }
            samples += files.map { ImageSample(path: $0, label: label) }
        }
        samples.sort { byteOrder($0.path, $1.path) }
        self.samples = samples
        warnings = listing.warnings
    }

    /// Whether `name` is a whole number written in ASCII digits.
    static func isWholeNumber(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.allSatisfy { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }
    }

    /// Order of whole numbers by value however many digits they have (leading zeros ignored; equal
    /// values byte-wise, so "01" < "1").
    static func numericOrder(_ a: String, _ b: String) -> Bool {
        let x = a.drop { $0 == "0" }, y = b.drop { $0 == "0" }
        if x.count != y.count { return x.count < y.count }
        if x != y { return byteOrder(String(x), String(y)) }
        return byteOrder(a, b)
    }

    /// Class names from the map file at `path`, checked against the class folders.
    private static func readClassMap(_ path: String, folders: [String], splitPath: String) throws -> [String] {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ImageFolderError.classMapUnreadable(path: path, reason: error.localizedDescription)
        }
        var names: [String] = []
        var lineOf: [String: Int] = [:]
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let name = raw.trimmingCharacters(in: .whitespacesAndNewlines)
            if name.isEmpty { continue }
            if let first = lineOf[name] {
                throw ImageFolderError.classMapDuplicate(path: path, line: index + 1, firstLine: first, name: name)
            }
            lineOf[name] = index + 1
            names.append(name)
        }
        guard !names.isEmpty else { throw ImageFolderError.classMapEmpty(path: path) }
        let folderSet = Set(folders)
        if let missing = names.first(where: { !folderSet.contains($0) }) {
            throw ImageFolderError.classMapNameWithoutFolder(
                path: path, line: lineOf[missing]!, name: missing, folder: splitPath)
        }
        if let unlisted = folders.first(where: { lineOf[$0] == nil }) {
            throw ImageFolderError.folderNotInClassMap(path: path, folder: splitPath + "/" + unlisted)
        }
        return names
    }
}

/// Byte-wise (UTF-8) order, the order of Python's `sorted` on names.
func byteOrder(_ a: String, _ b: String) -> Bool {
    a.utf8.lexicographicallyPrecedes(b.utf8)
}

/// A problem with an image folder or its class map; names the folder or file and says what to do.
public enum ImageFolderError: Error, CustomStringConvertible, Equatable {
    case rootMissing(root: String)
    case noSplitFolder(root: String, split: String, tried: [String])
    case noClassFolders(folder: String)
    case emptyClass(folder: String)
    case unreadableFolder(folder: String, reason: String)
    case uncreatableFolder(folder: String, reason: String)
    case classMapUnreadable(path: String, reason: String)
    case classMapEmpty(path: String)
    case classMapDuplicate(path: String, line: Int, firstLine: Int, name: String)
    case classMapNameWithoutFolder(path: String, line: Int, name: String, folder: String)
    case folderNotInClassMap(path: String, folder: String)
    case foldersNotInMap(folder: String, names: [String], map: String)
    case classMapCount(path: String, names: Int, outputs: Int)
    case classMapIndex(path: String, line: Int, problem: String)
    case synsetsNeedThousand(outputs: Int)

    public var description: String {
        switch self {
        case let .rootMissing(root):
            return "\(root): no such folder; give the data root that holds train/ and val/ (or the class folders)"
        case let .noSplitFolder(root, split, tried):
            return
                "\(root): no \(split) split folder (tried \(tried.joined(separator: ", "))) and no class folders "
                + "with images in the root itself; create \(root)/\(tried[0])/<class>/<images> or point the root "
                + "at the split folder"
        case let .noClassFolders(folder):
            return
                "\(folder): no class folders; put each class's images in its own subfolder "
                + "(\(folder)/<class>/<image>.JPEG)"
        case let .emptyClass(folder):
            return "\(folder): the class folder holds no .jpeg/.jpg/.png file; add its images or remove the folder"
        case let .unreadableFolder(folder, reason):
            return "\(folder): cannot list the folder (\(reason)); check its permissions"
        case let .uncreatableFolder(folder, reason):
            return
                "\(folder): cannot create the folder (\(reason)); check the parent folder's permissions and free space"
        case let .classMapUnreadable(path, reason):
            return "\(path): cannot read the class map (\(reason)); give a text file with one class name a line"
        case let .classMapEmpty(path):
            return "\(path): the class map lists no class; write one class folder name a line"
        case let .classMapDuplicate(path, line, firstLine, name):
            return "\(path):\(line): class \"\(quoted(name, marks: false))\" is already listed on line \(firstLine); "
                + "list every class once"
        case let .classMapNameWithoutFolder(path, line, name, folder):
            return "\(path):\(line): class \"\(quoted(name, marks: false))\" has no folder "
                + "\(folder)/\(quoted(name, marks: false)); "
                + "add the folder or use the class map the model was trained with"
        case let .folderNotInClassMap(path, folder):
            return
                "\(folder): the class folder is not listed in the class map \(path); add its name to the map or "
                + "remove the folder"
        case let .foldersNotInMap(folder, names, map):
            let shown = names.prefix(5).map { quoted($0) }.joined(separator: ", ")
            return "\(folder): \(names.count) class folder\(names.count == 1 ? "" : "s") (\(shown)"
                + (names.count > 5 ? ", …" : "") + ") not among the classes of \(map); rename or remove "
                + "\(names.count == 1 ? "it" : "them"), or give a class map that names them"
        case let .classMapCount(path, names, outputs):
            return "\(path): the class map lists \(names) names (one a line) but the model has \(outputs) outputs; "
                + "list every output in order, or give only some classes as `name index` lines"
        case let .classMapIndex(path, line, problem):
            return "\(path):\(line): \(problem)"
        case let .synsetsNeedThousand(outputs):
            return "--imagenet-classes scores against the 1000 ImageNet-1k classes, but the model has \(outputs) "
                + "outputs; give a class map instead (--class-map)"
        }
    }
}
