// ImageFolder: split folder names, byte-wise class order, class maps, which files count as images,
// and every error. No image is decoded.

import Foundation
import SimbaData
import Testing

@Suite struct ImageFolderTests {

    private func touch(_ path: String) throws {
        try FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent,
            withIntermediateDirectories: true)
        #expect(FileManager.default.createFile(atPath: path, contents: Data([1])))
    }

    @Test(arguments: [
        ("train", "train"), ("train", "training"), ("val", "val"), ("val", "valid"), ("val", "validation")
    ])
    func splitFolderIsFoundUnderEachName(split: String, folderName: String) throws {
        let root = try temporaryFolder()
        try touch(root + "/\(folderName)/cat/a.jpg")
        let folder = try ImageFolder(root: root, split: split)
        #expect(folder.splitPath == root + "/" + folderName)
        #expect(folder.samples == [ImageSample(path: root + "/\(folderName)/cat/a.jpg", label: 0)])
    }

    @Test func rootWithClassFoldersIsItsOwnSplit() throws {
        let root = try temporaryFolder()
        try touch(root + "/dog/1.png")
        try touch(root + "/cat/2.PNG")
        let folder = try ImageFolder(root: root, split: "val")
        #expect(folder.splitPath == root)
        #expect(folder.classNames == ["cat", "dog"])
    }

    /// Byte order: upper case before lower case, "b10" before "b2" (no natural sort).
    @Test func classesAreSortedByteWiseAndSamplesByPath() throws {
        let root = try temporaryFolder()
        for name in ["b2", "a", "B", "b10", "n01440764"] { try touch(root + "/train/\(name)/x.JPEG") }
        try touch(root + "/train/a/sub/z.jpeg")
        try touch(root + "/train/a/y.Jpg")
        try touch(root + "/train/a/notes.txt")
        try touch(root + "/train/a/.hidden.jpg")
        try touch(root + "/train/a/noextension")
        try FileManager.default.createDirectory(atPath: root + "/train/.cache", withIntermediateDirectories: true)
        let folder = try ImageFolder(root: root, split: "train")
        #expect(folder.classNames == ["B", "a", "b10", "b2", "n01440764"])
        let relative = folder.samples.map { String($0.path.dropFirst(root.count + 7)) }
        #expect(
            relative == [
                "B/x.JPEG", "a/sub/z.jpeg", "a/x.JPEG", "a/y.Jpg", "b10/x.JPEG", "b2/x.JPEG", "n01440764/x.JPEG"
            ])
        #expect(folder.samples.map(\.label) == [0, 1, 1, 1, 2, 3, 4])
    }

    @Test func classMapSetsTheOrder() throws {
        let root = try temporaryFolder()
        for name in ["cat", "dog", "emu"] { try touch(root + "/val/\(name)/1.png") }
        let map = root + "/classes.txt"
        try "emu\ncat\n\ndog\n".write(toFile: map, atomically: true, encoding: .utf8)
        let folder = try ImageFolder(root: root, split: "val", classMap: map)
        #expect(folder.classNames == ["emu", "cat", "dog"])
        #expect(folder.samples.map(\.label) == [1, 2, 0])
    }

    @Test func errorsNameTheFolderAndSayWhatToDo() throws {
        let root = try temporaryFolder()
        expectError(ImageFolderError.self, containing: [root + "/nowhere", "no such folder"]) {
            try ImageFolder(root: root + "/nowhere", split: "train")
        }
        expectError(ImageFolderError.self, containing: [root, "val, valid, validation"]) {
            try ImageFolder(root: root, split: "val")
        }
        try FileManager.default.createDirectory(atPath: root + "/train", withIntermediateDirectories: true)
        expectError(ImageFolderError.self, containing: [root + "/train", "no class folders"]) {
            try ImageFolder(root: root, split: "train")
        }
        try touch(root + "/train/cat/1.png")
        try touch(root + "/train/dog/readme.txt")
        expectError(ImageFolderError.self, containing: [root + "/train/dog", "no .jpeg/.jpg/.png"]) {
            try ImageFolder(root: root, split: "train")
        }
        try touch(root + "/train/dog/1.jpg")
        let map = root + "/map.txt"
        try "cat\ndog\nemu\n".write(toFile: map, atomically: true, encoding: .utf8)
        expectError(ImageFolderError.self, containing: [map + ":3", "\"emu\"", root + "/train/emu"]) {
            try ImageFolder(root: root, split: "train", classMap: map)
        }
        try "cat\n".write(toFile: map, atomically: true, encoding: .utf8)
        expectError(ImageFolderError.self, containing: [root + "/train/dog", "not listed in the class map"]) {
            try ImageFolder(root: root, split: "train", classMap: map)
        }
        try "cat\ndog\ncat\n".write(toFile: map, atomically: true, encoding: .utf8)
        expectError(ImageFolderError.self, containing: [map + ":3", "line 1"]) {
            try ImageFolder(root: root, split: "train", classMap: map)
        }
        try "\n\n".write(toFile: map, atomically: true, encoding: .utf8)
        expectError(ImageFolderError.self, containing: [map, "lists no class"]) {
            try ImageFolder(root: root, split: "train", classMap: map)
        }
        expectError(ImageFolderError.self, containing: [root + "/missing.txt", "cannot read"]) {
            try ImageFolder(root: root, split: "train", classMap: root + "/missing.txt")
        }
    }
}
