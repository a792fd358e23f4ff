// ImageFolder on hostile layouts: links that loop, climb out of a class or out of the split folder,
// duplicate files, lead nowhere, and names that are not UTF-8. No image is decoded.

import Foundation
import SimbaData
import Testing

/// `root/val/cat/{a0,a1}.png` and `root/val/dog/b0.png` (one byte each), plus `root/outside/o.png`.
private func plainFolder() throws -> String {
    let root = try temporaryFolder("links")
    for path in ["val/cat/a0.png", "val/cat/a1.png", "val/dog/b0.png", "outside/o.png"] {
        try FileManager.default.createDirectory(
            atPath: root + "/" + (path as NSString).deletingLastPathComponent,
            withIntermediateDirectories: true)
        #expect(FileManager.default.createFile(atPath: root + "/" + path, contents: Data([1])))
    }
    return root
}

private func link(_ path: String, to destination: String) throws {
    try FileManager.default.createSymbolicLink(atPath: path, withDestinationPath: destination)
}

/// Creates the file or folder whose name is `name`'s bytes (not necessarily UTF-8) inside `folder`.
private func createRaw(in folder: String, name: [UInt8], folder isFolder: Bool) {
    let path = Array(folder.utf8) + [UInt8(ascii: "/")] + name + [0]
    let status = path.withUnsafeBufferPointer { bytes -> Int32 in
        let cPath = UnsafeRawPointer(bytes.baseAddress!).assumingMemoryBound(to: CChar.self)
        if isFolder { return mkdir(cPath, 0o755) }
        let handle = open(cPath, O_CREAT | O_WRONLY, 0o644)
        return handle < 0 ? -1 : close(handle)
    }
    #expect(status == 0, "cannot create \(name) in \(folder): \(String(cString: strerror(errno)))")
}

/// The samples as (path relative to the split folder, label).
private func relativeSamples(_ folder: ImageFolder) -> [String] {
    folder.samples.map { "\($0.path.dropFirst(folder.splitPath.count + 1)):\($0.label)" }
}

private func expectWarning(
    _ folder: ImageFolder, _ fragments: [String],
    sourceLocation: SourceLocation = #_sourceLocation
) {
    #expect(
        folder.warnings.contains { line in fragments.allSatisfy(line.contains) },
        "no warning with \(fragments) in \(folder.warnings)", sourceLocation: sourceLocation)
}

@Suite(.timeLimit(.minutes(1))) struct ImageFolderLinkTests {
    @Test("loop -> ., two links to ., up -> ..: each image once, under its own class, with a warning per link")
    func loopsAreWalkedOnce() throws {
        let root = try plainFolder()
        let cat = root + "/val/cat"
        try link(cat + "/loop", to: ".")
        try link(root + "/val/dog/again", to: ".")
        try link(root + "/val/dog/twice", to: ".")
        try link(cat + "/up", to: "..")
        let folder = try ImageFolder(root: root, split: "val")
        #expect(folder.classNames == ["cat", "dog"])
        #expect(relativeSamples(folder) == ["cat/a0.png:0", "cat/a1.png:0", "dog/b0.png:1"])
        expectWarning(folder, ["skipped link \(cat)/loop", "listed already"])
        expectWarning(folder, ["skipped link \(root)/val/dog/again", "listed already"])
        expectWarning(folder, ["skipped link \(root)/val/dog/twice", "listed already"])
        expectWarning(folder, ["skipped link \(cat)/up", "back to the split folder"])
        #expect(folder.warnings.count == 4, "\(folder.warnings)")
    }

    @Test("A link into another class folder does not move that class's images")
    func linkIntoAnotherClass() throws {
        let root = try plainFolder()
        try link(root + "/val/cat/dogs", to: "../dog")
        try link(root + "/val/cat/dog.png", to: "../dog/b0.png")
        let folder = try ImageFolder(root: root, split: "val")
        #expect(relativeSamples(folder) == ["cat/a0.png:0", "cat/a1.png:0", "dog/b0.png:1"])
        expectWarning(folder, ["skipped link \(root)/val/cat/dogs", "listed already"])
        expectWarning(folder, ["skipped link \(root)/val/cat/dog.png", "a file listed already"])
    }

    @Test("Links that leave the split folder are skipped, whether to a folder, a file or as a class folder")
    func linksOutsideAreSkipped() throws {
        let root = try plainFolder()
        try link(root + "/val/cat/out", to: "../../outside")
        try link(root + "/val/cat/o.png", to: root + "/outside/o.png")
        try link(root + "/val/extra", to: "../outside")
        let folder = try ImageFolder(root: root, split: "val")
        #expect(folder.classNames == ["cat", "dog"])
        #expect(relativeSamples(folder) == ["cat/a0.png:0", "cat/a1.png:0", "dog/b0.png:1"])
        for name in ["cat/out", "cat/o.png", "extra"] {
            expectWarning(folder, ["skipped link \(root)/val/\(name)", "outside the split folder \(root)/val"])
        }
    }

    @Test("A linked split folder is the boundary itself: its own links inside it are fine")
    func linkedSplitFolder() throws {
        let root = try plainFolder()
        let other = try temporaryFolder("links-root")
        try link(other + "/val", to: root + "/val")
        try link(root + "/val/cat/more.png", to: "../.stash/m.png")
        try FileManager.default.createDirectory(atPath: root + "/val/.stash/sub", withIntermediateDirectories: true)
        #expect(FileManager.default.createFile(atPath: root + "/val/.stash/m.png", contents: Data([1])))
        #expect(FileManager.default.createFile(atPath: root + "/val/.stash/sub/s.png", contents: Data([1])))
        try link(root + "/val/dog/stash", to: "../.stash/sub")
        let folder = try ImageFolder(root: other, split: "val")
        #expect(
            relativeSamples(folder)
                == ["cat/a0.png:0", "cat/a1.png:0", "cat/more.png:0", "dog/b0.png:1", "dog/stash/s.png:1"])
        #expect(folder.warnings.isEmpty, "\(folder.warnings)")
    }

    @Test("A file reached through several links is listed once; links that lead nowhere are warned about")
    func duplicateAndDanglingLinks() throws {
        let root = try plainFolder()
        let cat = root + "/val/cat"
        try link(cat + "/alias.png", to: "a0.png")
        try FileManager.default.createDirectory(atPath: root + "/val/.stash", withIntermediateDirectories: true)
        #expect(FileManager.default.createFile(atPath: root + "/val/.stash/h.png", contents: Data([1])))
        try link(cat + "/h1.png", to: "../.stash/h.png")
        try link(cat + "/h2.png", to: "../.stash/h.png")
        try link(cat + "/dead.jpg", to: "nowhere.jpg")
        try link(cat + "/self", to: "self")
        try link(root + "/val/kitty", to: "cat")
        let folder = try ImageFolder(root: root, split: "val")
        #expect(folder.classNames == ["cat", "dog"])
        #expect(relativeSamples(folder) == ["cat/a0.png:0", "cat/a1.png:0", "cat/h1.png:0", "dog/b0.png:1"])
        expectWarning(folder, ["skipped link \(cat)/alias.png", "a file listed already"])
        expectWarning(folder, ["skipped link \(cat)/h2.png", "a file listed already"])
        expectWarning(folder, ["skipped link \(cat)/dead.jpg", "leads nowhere"])
        expectWarning(folder, ["skipped link \(cat)/self", "leads nowhere"])
        expectWarning(folder, ["skipped link \(root)/val/kitty", "into the class folder \(root)/val/cat"])
    }

    @Test("Names that are not UTF-8 are skipped with a warning showing their bytes, not an abort")
    func nonUTF8Names() throws {
        let root = try plainFolder()
        createRaw(in: root + "/val/cat", name: Array("x".utf8) + [0xFF] + Array(".png".utf8), folder: false)
        createRaw(in: root + "/val", name: [0xC3, 0x28], folder: true)
        createRaw(in: root + "/val/dog", name: [0xFE, 0x41], folder: true)
        let folder = try ImageFolder(root: root, split: "val")
        #expect(folder.classNames == ["cat", "dog"])
        #expect(relativeSamples(folder) == ["cat/a0.png:0", "cat/a1.png:0", "dog/b0.png:1"])
        expectWarning(folder, ["skipped \(root)/val/cat/x\\xFF.png", "not valid UTF-8"])
        expectWarning(folder, ["skipped \(root)/val/\\xC3(", "not valid UTF-8"])
        expectWarning(folder, ["skipped \(root)/val/dog/\\xFEA", "not valid UTF-8"])
    }

    @Test("A pipe named like an image is skipped with a warning (reading it would wait forever)")
    func pipesAreSkipped() throws {
        let root = try plainFolder()
        #expect(mkfifo(root + "/val/cat/pipe.png", 0o644) == 0)
        try link(root + "/val/dog/pipe.png", to: "../cat/pipe.png")
        let folder = try ImageFolder(root: root, split: "val")
        #expect(relativeSamples(folder) == ["cat/a0.png:0", "cat/a1.png:0", "dog/b0.png:1"])
        expectWarning(folder, ["skipped \(root)/val/cat/pipe.png", "not a regular file"])
        expectWarning(folder, ["skipped link \(root)/val/dog/pipe.png", "not a regular file"])
    }

    @Test("A plain folder gives no warnings")
    func plainFolderHasNoWarnings() throws {
        let folder = try ImageFolder(root: try plainFolder(), split: "val")
        #expect(folder.warnings.isEmpty)
        #expect(folder.samples.count == 3)
    }
}
