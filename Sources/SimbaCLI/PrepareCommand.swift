// `simba prepare`: builds image folders from other sources — Fashion-MNIST's IDX files into an
// ImageNet-style PNG folder, and a "real-world" JPEG folder of mixed sizes and color modes.

import Foundation
import SimbaData

enum PrepareCommand {
    static let help = """
        Usage: simba prepare fashion-mnist --out DIR [--from DIR]
               simba prepare real-world --from SPLIT_DIR --out DIR [--per-class N] [--seed N]

          fashion-mnist  converts the four IDX files of Debian's dataset-fashion-mnist (default
                         --from \(FashionMNIST.debianFolder); `apt-get install dataset-fashion-mnist`)
                         into DIR/train/<class>/*.png (60,000) and DIR/val/<class>/*.png (10,000)
          real-world     writes N images per class of SPLIT_DIR (default 20), upscaled to random sizes
                         and re-encoded as RGB, grayscale and CMYK JPEGs with a few PNGs (one named
                         .JPEG), into DIR/<class>/ — a check of the full decode/resize/crop path
                         (--per-class at most 100,000)

        """

    static let command = Command(
        name: "prepare", valued: ["out", "from", "per-class", "seed"], flags: [],
        words: ["fashion-mnist", "real-world"], help: { help }, run: run)

    static func run(_ options: Options) throws {
        guard let out = options.value("out") else {
            throw UsageError("`simba prepare` needs --out DIR; see `simba prepare --help`")
        }
        switch options.word {
        case "fashion-mnist":
            let counts = try FashionMNIST.convert(from: options.value("from") ?? FashionMNIST.debianFolder, to: out)
            print("wrote \(counts.train) training and \(counts.val) validation images to \(out)/train and \(out)/val")
        case "real-world":
            guard let from = options.value("from") else {
                throw UsageError("`simba prepare real-world` needs --from SPLIT_DIR (e.g. DIR/val)")
            }
            let perClass = try options.int("per-class", in: 1...100_000) ?? 20
            let seed = try options.int("seed", in: 1...Int.max) ?? 1
            let count = try RealWorldFolder.make(from: from, to: out, perClass: perClass, seed: UInt64(seed))
            print("wrote \(count) images to \(out)")
        default:
            throw UsageError(
                "`simba prepare` needs what to prepare: fashion-mnist or real-world; "
                    + "see `simba prepare --help`")
        }
    }
}
