// Which output of a classifier each class folder is scored against: from a checkpoint's class
// names, a class-map file, or the standard ImageNet-1k synset order. It lists no folder itself.

import Foundation
import SimbaCore

/// Output indices of a classifier by class name. A folder scored through it must be named in it;
/// outputs it names without a folder are simply absent from the score.
///
/// A class-map file holds one class a line, blank lines ignored, in one of two forms:
/// - `name` lines: the class of output k is the k-th name (timm's and torchvision's class map);
///   the names must cover every output of the model;
/// - `name index` lines (every line ends in whitespace and a whole number): each class's output
///   index, any subset of the outputs, e.g. three folders of a 1000-class model.
/// Names are unique, and so are indices; an index is below the model's output count.
public struct ClassIndex: Sendable {
    /// The output index of each class the map names.
    public let indices: [String: Int]
    /// The model's output count (indices run over 0..<outputs).
    public let outputs: Int
    /// How the indices were set, for the log.
    public let rule: String

    /// Output k is `names[k]` (a checkpoint's class names, a folder's sorted classes).
    public init(names: [String], rule: String) {
        var indices: [String: Int] = [:]
        for (k, name) in names.enumerated() { indices[name] = k }
        self.indices = indices
        outputs = names.count
        self.rule = rule
    }

    private init(indices: [String: Int], outputs: Int, rule: String) {
        self.indices = indices
        self.outputs = outputs
        self.rule = rule
    }

    /// The name of each output: the map's, or the index as text for an output it does not name.
    public var names: [String] {
        var names = (0..<outputs).map(String.init)
        for (name, k) in indices { names[k] = name }
        return names
    }

    /// The output index of each class of `folder` (in label order); a class folder the map does not
    /// name is an ImageFolderError naming the first few such folders and the map.
    public func outputs(for folder: ImageFolder, mapName: String) throws -> [Int] {
        let unknown = folder.classNames.filter { indices[$0] == nil }
        guard unknown.isEmpty else {
            throw ImageFolderError.foldersNotInMap(folder: folder.splitPath, names: unknown, map: mapName)
        }
        return folder.classNames.map { indices[$0]! }
    }

    /// Reads the class-map file at `path` for a model of `outputs` outputs (see the type's forms).
    public static func read(_ path: String, outputs: Int) throws -> ClassIndex {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ImageFolderError.classMapUnreadable(path: path, reason: error.localizedDescription)
        }
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).enumerated()
            .map { (number: $0.offset + 1, text: $0.element.trimmingCharacters(in: .whitespacesAndNewlines)) }
            .filter { !$0.text.isEmpty }
        guard !lines.isEmpty else { throw ImageFolderError.classMapEmpty(path: path) }
        let pairs = lines.map { line -> (name: String, index: Int?) in
            guard let space = line.text.lastIndex(where: { $0 == " " || $0 == "\t" }) else { return (line.text, nil) }
            let last = line.text[line.text.index(after: space)...]
            guard !last.isEmpty, last.allSatisfy({ $0.isASCII && $0.isNumber }) else { return (line.text, nil) }
            return (line.text[..<space].trimmingCharacters(in: .whitespaces), Int(last) ?? Int.max)
        }
        let indexed = pairs.allSatisfy { $0.index != nil }
        if !indexed && lines.count != outputs {
            throw ImageFolderError.classMapCount(path: path, names: lines.count, outputs: outputs)
        }
        var indices: [String: Int] = [:], nameLine: [String: Int] = [:], indexLine: [Int: Int] = [:]
        for (line, pair) in zip(lines, pairs) {
            let name = indexed ? pair.name : line.text
            let index = indexed ? pair.index! : indices.count
            if let first = nameLine[name] {
                throw ImageFolderError.classMapDuplicate(path: path, line: line.number, firstLine: first, name: name)
            }
            guard index < outputs else {
                throw ImageFolderError.classMapIndex(
                    path: path, line: line.number,
                    problem: "index \(index) is not "
                        + "below the model's \(outputs) outputs; give indices from 0 to \(outputs - 1)")
            }
            if let first = indexLine[index] {
                throw ImageFolderError.classMapIndex(
                    path: path, line: line.number,
                    problem: "index \(index) is "
                        + "given already on line \(first); give each class its own output index")
            }
            nameLine[name] = line.number
            indexLine[index] = line.number
            indices[name] = index
        }
        let form = indexed ? "`name index` lines" : "one name a line"
        return ClassIndex(indices: indices, outputs: outputs, rule: "the class map \(path) (\(form))")
    }

    /// The 1000 ImageNet-1k synsets (`n01440764` …) in the standard class-index order of
    /// ImageNet-1k weights (timm's imagenet_synsets.txt, shipped with simba: Resources/
    /// imagenet_synsets.txt); `outputs` must be 1000.
    public static func imageNet1k(outputs: Int) throws -> ClassIndex {
        guard outputs == imageNet1kSynsets.count else {
            throw ImageFolderError.synsetsNeedThousand(outputs: outputs)
        }
        return ClassIndex(
            names: imageNet1kSynsets,
            rule: "the ImageNet-1k synset order (n01440764 = 0 … "
                + "n15075141 = 999)")
    }

    /// The synsets of the shipped list, without its comment lines.
    static let imageNet1kSynsets: [String] = String(decoding: PackageResources.imagenet_synsets_txt, as: UTF8.self)
        .split(separator: "\n").filter { !$0.hasPrefix("#") }.map(String.init)
}
