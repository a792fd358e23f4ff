// A temporary classification project for command-level tests: generated image folders and a tiny
// config in one folder, and the `simba` arguments that train it. It runs no command itself.

import Foundation

extension VisionFiles {
    /// A temporary folder with `images/` (`classes`, 12 train and 4 val 32×32 images each) and
    /// `config.yaml` (`yaml`, by default the tiny config for 1 epoch).
    public static func project(
        classes: [String] = classNames, yaml: String = config(epochs: 1),
        name: String = "simba-vision-project"
    ) throws -> TemporaryFolder {
        let folder = TemporaryFolder(name)
        try makeFolder(folder.file("images"), classes: classes)
        folder.write(yaml, to: "config.yaml")
        return folder
    }

    /// `train --config <folder>/config.yaml --out <folder>/<run>` followed by `extra`.
    public static func trainArguments(_ folder: TemporaryFolder, run: String = "run", _ extra: [String] = [])
        -> [String]
    {
        ["train", "--config", folder.file("config.yaml"), "--out", folder.file(run)] + extra
    }
}
