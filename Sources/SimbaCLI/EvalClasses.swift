// Which model output each class folder of `simba eval` is scored against (the checkpoint's class
// names, --class-map or --imagenet-classes), and the name of every output. It scores nothing.

import SimbaCore
import SimbaData
import SimbaTraining

/// The outputs of `simba eval`'s class folders and the names of all the model's outputs.
struct EvalClasses: CustomStringConvertible {
    /// The output index of each class folder, in the folder's label order.
    let outputs: [Int]
    /// The name of every output of the model (for the predictions file).
    let outputNames: [String]
    /// The log line saying how folders became outputs and in which order the folders were sorted.
    let description: String

    /// Resolves the options against a model of `count` outputs (at `model`, with the class names a
    /// checkpoint holds) and the folder. A checkpoint's class names decide; a map given with them must
    /// give every folder the checkpoint's output (CheckpointError otherwise). For bare weights a map
    /// (or the synset order) decides, else the folder order. Reads no weights.
    init(_ options: Options, classNames: [String]?, outputs count: Int, model: String, folder: ImageFolder) throws {
        let imageNet = options.has("imagenet-classes")
        if options.value("class-map") != nil && imageNet {
            throw UsageError("give either --class-map or --imagenet-classes, not both")
        }
        let map =
            try options.value("class-map").map { try ClassIndex.read($0, outputs: count) }
            ?? (imageNet ? try ClassIndex.imageNet1k(outputs: count) : nil)
        let folders = "\(folder.classNames.count) class folders (sorted \(folder.classOrder))"
        if let names = classNames {
            let own = try VisionEvaluation.defaultOutputs(
                classNames: names, classes: count, model: model,
                folder: folder)
            if let map {
                let mapped = try map.outputs(for: folder, mapName: map.rule)
                if let i = mapped.indices.first(where: { mapped[$0] != own[$0] }) {
                    throw CheckpointError(
                        path: model,
                        problem: "\(map.rule) gives the class folder "
                            + "\(quoted(folder.classNames[i])) output \(mapped[i]), but the checkpoint was trained "
                            + "with "
                            + "it as output \(own[i]); drop the map (the checkpoint's class names decide)")
                }
            }
            outputs = own
            outputNames = names
            description = "classes: \(folders) scored by name against the checkpoint's \(names.count) classes"
        } else if let map {
            outputs = try map.outputs(for: folder, mapName: map.rule)
            outputNames = map.names
            description = "classes: \(folders) scored against \(count) outputs by \(map.rule)"
        } else {
            outputs = try VisionEvaluation.defaultOutputs(classNames: nil, classes: count, model: model, folder: folder)
            outputNames = folder.classNames
            description = "classes: \(folders), folder k scored as output k"
        }
    }
}
