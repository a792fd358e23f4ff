// Lists the class folders and image files of one split folder, following symbolic links only inside
// it and each folder once, and says what it skipped. It does not assign labels or open any image.

import Foundation

/// The class folders and image files of a split folder, walked under the rules of `ImageFolder`'s
/// "Links and odd names" paragraph: a link is followed only when its target's real path lies inside
/// the split folder's real path; every folder (by device and inode) is walked at most once; links to
/// folders are followed only after every plain folder is walked, and links to files only after every
/// folder, so whatever can be reached without a link is listed under its own path, and a file reached
/// twice is listed once. Each link or entry skipped adds a line to `warnings`.
final class SplitFolderListing {
    /// The split folder as given (listed paths start with it).
    let splitPath: String
    /// `splitPath` with every link resolved.
    let realSplitPath: String
    /// One line per link or entry skipped ("skipped link <path>: <why>"), in walk order.
    private(set) var warnings: [String] = []

    /// Class folders by name: the path listed files start with, and its real path.
    private var classRoots: [String: (path: String, real: String)] = [:]
    /// Folders walked (or being walked), by device and inode.
    private var walked: Set<FileIdentity> = []
    /// Real paths of the trees walked from their top (class folders, link targets).
    private var walkedTrees: Set<String> = []
    /// Real paths of the files listed through a link.
    private var linkedFiles: Set<String> = []
    /// Links met while walking and not yet followed: to folders, and to image files.
    private var folderLinks: [(path: String, label: Int)] = []
    private var fileLinks: [(path: String, label: Int)] = []

    /// Resolves `splitPath`, an existing folder.
    init(splitPath: String) throws {
        guard let real = FileSystem.realPath(splitPath), let info = FileSystem.status(real, followingLinks: true),
            info.kind == .directory
        else {
            throw ImageFolderError.unreadableFolder(folder: splitPath, reason: String(cString: strerror(errno)))
        }
        self.splitPath = splitPath
        realSplitPath = real
        walked.insert(info.identity)
    }

    /// Names of the class folders, sorted byte-wise: the split folder's sub-folders, and its links
    /// to folders inside it that are neither the split folder nor inside (or around) another class.
    func classFolders() throws -> [String] {
        var names: [String] = []
        var links: [(name: String, real: String)] = []
        for entry in try entries(of: splitPath) {
            let path = splitPath + "/" + entry.name
            switch entry.kind {
            case .directory:
                names.append(entry.name)
                classRoots[entry.name] = (path, realSplitPath + "/" + entry.name)
            case .link:
                guard let real = linkedFolder(path) else { continue }
                links.append((entry.name, real))
            default:
                continue
            }
        }
        var linkedRoots: [String] = []
        for (name, real) in links {
            let path = splitPath + "/" + name
            let relative = real.dropFirst(realSplitPath.count + (realSplitPath == "/" ? 0 : 1))
            let top = String(relative.prefix { $0 != "/" })
            if real == realSplitPath {
                skipLink(path, "it leads back to the split folder")
            } else if classRoots[top] != nil {
                skipLink(path, "it leads into the class folder \(splitPath)/\(top)")
            } else if let other = linkedRoots.first(where: { FileSystem.nested(real, $0) }) {
                skipLink(path, "it leads to \(real), which another class link (to \(other)) covers already")
            } else {
                linkedRoots.append(real)
                names.append(name)
                classRoots[name] = (path, real)
            }
        }
        return names.sorted(by: byteOrder)
    }

    /// Image paths of each class of `classes` (names from `classFolders()`), in `classes` order.
    func images(of classes: [String]) throws -> [[String]] {
        var files = [[String]](repeating: [], count: classes.count)
        let roots = classes.map { classRoots[$0]! }
        for (label, root) in roots.enumerated() {
            guard let info = FileSystem.status(root.real, followingLinks: true), walked.insert(info.identity).inserted
            else {
                skipLink(root.path, "it leads to a folder listed already")
                continue
            }
            try walk(root.path, real: root.real, label: label, into: &files)
        }
        var next = 0
        while next < folderLinks.count {
            let (path, label) = folderLinks[next]
            next += 1
            guard let real = linkedFolder(path) else { continue }
            guard let info = FileSystem.status(real, followingLinks: true), walked.insert(info.identity).inserted else {
                skipLink(
                    path,
                    real == realSplitPath
                        ? "it leads back to the split folder"
                        : "it leads to \(real), a folder listed already")
                continue
            }
            try walk(path, real: real, label: label, into: &files)
        }
        for (path, label) in fileLinks {
            guard let real = FileSystem.realPath(path) else {
                skipLink(path, "it leads nowhere (\(String(cString: strerror(errno))))")
                continue
            }
            guard inside(real) else {
                skipLink(path, "it leads outside the split folder \(splitPath) (to \(real))")
                continue
            }
            guard !listedByWalk(real), linkedFiles.insert(real).inserted else {
                skipLink(path, "it leads to \(real), a file listed already")
                continue
            }
            files[label].append(path)
        }
        return files
    }

    /// Lists the tree at `path` (real path `real`, already in `walked`) without following links,
    /// which are queued.
    private func walk(_ path: String, real: String, label: Int, into files: inout [[String]]) throws {
        walkedTrees.insert(real)
        var stack = [path]
        while let folder = stack.popLast() {
            var subfolders: [String] = []
            for entry in try entries(of: folder) {
                let child = folder + "/" + entry.name
                switch entry.kind {
                case .directory:
                    guard let info = FileSystem.status(child, followingLinks: false) else {
                        throw ImageFolderError.unreadableFolder(folder: child, reason: String(cString: strerror(errno)))
                    }
                    guard walked.insert(info.identity).inserted else {
                        warnings.append("skipped \(child): the folder was listed already under another path")
                        continue
                    }
                    subfolders.append(child)
                case .regular:
                    if FolderListing.isImageName(entry.name) { files[label].append(child) }
                case .link:
                    queueLink(child, name: entry.name, label: label)
                case .other:
                    if FolderListing.isImageName(entry.name) {
                        warnings.append("skipped \(child): not a regular file")
                    }
                }
            }
            stack += subfolders.reversed()
        }
    }

    /// Sorts a link met in a walk into the folder or file queue (or skips it with a warning).
    private func queueLink(_ path: String, name: String, label: Int) {
        guard let target = FileSystem.status(path, followingLinks: true) else {
            skipLink(path, "it leads nowhere (\(String(cString: strerror(errno))))")
            return
        }
        switch target.kind {
        case .directory: folderLinks.append((path, label))
        case .regular where FolderListing.isImageName(name): fileLinks.append((path, label))
        case .other where FolderListing.isImageName(name): skipLink(path, "it leads to something not a regular file")
        default: break
        }
    }

    /// The real path of the folder the link at `path` leads to, if it lies inside the split folder;
    /// otherwise nil after a warning. Links to anything but a folder give nil without a warning.
    private func linkedFolder(_ path: String) -> String? {
        guard let real = FileSystem.realPath(path) else {
            skipLink(path, "it leads nowhere (\(String(cString: strerror(errno))))")
            return nil
        }
        guard FileSystem.status(real, followingLinks: true)?.kind == .directory else { return nil }
        guard inside(real) else {
            skipLink(path, "it leads outside the split folder \(splitPath) (to \(real))")
            return nil
        }
        return real
    }

    /// Whether the real path `real` is the split folder or inside it.
    private func inside(_ real: String) -> Bool {
        realSplitPath == "/" || real == realSplitPath || real.hasPrefix(realSplitPath + "/")
    }

    /// Whether a walk listed the file at real path `file`: it has an image name and lies under a
    /// walked tree through no hidden name. Looks up each ancestor, so it costs the path's depth.
    private func listedByWalk(_ file: String) -> Bool {
        guard FolderListing.isImageName((file as NSString).lastPathComponent) else { return false }
        var ancestor = Substring(file)
        while let slash = ancestor.lastIndex(of: "/") {
            if ancestor[ancestor.index(after: slash)...].hasPrefix(".") { return false }
            ancestor = ancestor[..<slash]
            if walkedTrees.contains(String(ancestor)) { return true }
        }
        return false
    }

    private func skipLink(_ path: String, _ reason: String) {
        warnings.append("skipped link \(path): \(reason)")
    }

    /// The folder's entries sorted byte-wise, without hidden names; names that are not UTF-8 are
    /// skipped with a warning.
    private func entries(of folder: String) throws -> [FolderListing.Entry] {
        let listing = try FolderListing.entries(of: folder)
        for name in listing.undecodable {
            warnings.append("skipped \(folder)/\(name): the name is not valid UTF-8; rename it")
        }
        return listing.entries.sorted { byteOrder($0.name, $1.name) }
    }
}

/// A file or folder's identity, whatever path reaches it.
struct FileIdentity: Hashable {
    let device: UInt64
    let inode: UInt64
}

/// Thin wrappers over stat(2) and realpath(3).
enum FileSystem {
    enum Kind { case directory, regular, link, other }

    /// stat (or lstat) of `path`; nil (with errno set) when it fails.
    static func status(_ path: String, followingLinks: Bool) -> (kind: Kind, identity: FileIdentity)? {
        var info = stat()
        guard (followingLinks ? stat(path, &info) : lstat(path, &info)) == 0 else { return nil }
        let kind: Kind
        switch info.st_mode & S_IFMT {
        case S_IFDIR: kind = .directory
        case S_IFREG: kind = .regular
        case S_IFLNK: kind = .link
        default: kind = .other
        }
        return (kind, FileIdentity(device: UInt64(info.st_dev), inode: UInt64(info.st_ino)))
    }

    /// `path` with every link, "." and ".." resolved; nil (with errno set) when that fails or the
    /// result is not UTF-8.
    static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        let bytes = UnsafeBufferPointer(
            start: UnsafeRawPointer(resolved).assumingMemoryBound(to: UInt8.self),
            count: strlen(resolved))
        guard let text = String(validating: bytes, as: UTF8.self) else {
            errno = EILSEQ
            return nil
        }
        return text
    }

    /// Whether one of two real paths is the other or inside it.
    static func nested(_ a: String, _ b: String) -> Bool {
        a == b || a.hasPrefix(b + "/") || b.hasPrefix(a + "/")
    }
}

/// Directory listing through readdir (fast on folders of a million files).
enum FolderListing {
    struct Entry {
        let name: String
        /// What the entry itself is (a link is `.link`, whatever it leads to).
        let kind: FileSystem.Kind
    }

    static func isDirectory(_ path: String) -> Bool {
        FileSystem.status(path, followingLinks: true)?.kind == .directory
    }

    /// The folder's entries except "." names (hidden files, ".", ".."), and, apart, the names that
    /// are not UTF-8 (shown with `\xNN` escapes).
    static func entries(of folder: String) throws -> (entries: [Entry], undecodable: [String]) {
        guard let handle = opendir(folder) else {
            throw ImageFolderError.unreadableFolder(folder: folder, reason: String(cString: strerror(errno)))
        }
        defer { closedir(handle) }
        var result: [Entry] = []
        var undecodable: [String] = []
        while let entry = readdir(handle) {
            let bytes = withUnsafeBytes(of: entry.pointee.d_name) { raw in Array(raw.prefix { $0 != 0 }) }
            if bytes.first == UInt8(ascii: ".") { continue }
            guard let name = String(validating: bytes, as: UTF8.self) else {
                undecodable.append(escaped(bytes))
                continue
            }
            let kind: FileSystem.Kind
            switch Int32(entry.pointee.d_type) {
            case Int32(DT_DIR): kind = .directory
            case Int32(DT_REG): kind = .regular
            case Int32(DT_LNK): kind = .link
            case Int32(DT_UNKNOWN): kind = FileSystem.status(folder + "/" + name, followingLinks: false)?.kind ?? .other
            default: kind = .other
            }
            result.append(Entry(name: name, kind: kind))
        }
        return (result, undecodable)
    }

    /// Printable ASCII as is, every other byte as `\xNN`.
    static func escaped(_ bytes: [UInt8]) -> String {
        bytes.map { byte in
            let printable = (0x20..<0x7F).contains(byte) && byte != UInt8(ascii: "\\")
            return printable ? String(UnicodeScalar(byte)) : String(format: "\\x%02X", byte)
        }.joined()
    }

    static func isImageName(_ name: String) -> Bool {
        guard let dot = name.lastIndex(of: ".") else { return false }
        return ImageFolder.imageExtensions.contains(name[name.index(after: dot)...].lowercased())
    }

    /// Whether `folder` directly holds an image file (used to tell a class folder from anything else).
    static func hasImage(_ folder: String) -> Bool {
        guard let list = try? entries(of: folder) else { return false }
        return list.entries.contains { $0.kind != .directory && isImageName($0.name) }
    }
}
