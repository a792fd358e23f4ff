// Which schema a `simba train` config is read with: the `task` key, looked up before the full
// resolution (from --set task=…, else the file's top-level `task:`), forecasting by default.

import Foundation
import Yams

extension ConfigSchema {
    /// The schema of `task` ("forecast" or "classify"), nil for any other name.
    public static func forTask(_ task: String) -> ConfigSchema? {
        switch task {
        case "forecast": return .forecast
        case "classify": return .classify
        default: return nil
        }
    }

    /// The task a config file and overrides ask for. A file that cannot be read or parsed, or that
    /// `ConfigTextLimits` refuses, gives "forecast": the full resolution then reports its problem.
    public static func task(configFile: String?, overrides: [String], workingDirectory: String) -> String {
        if let override = overrides.last(where: { $0.hasPrefix("task=") }) {
            return String(override.dropFirst("task=".count))
        }
        guard let configFile else { return "forecast" }
        let path = configFile.hasPrefix("/") ? configFile : workingDirectory + "/" + configFile
        guard let text = try? String(contentsOfFile: path, encoding: .utf8), ConfigTextLimits.problem(in: text) == nil,
            let root = try? Yams.compose(yaml: text), let mapping = root.mapping,
            let task = mapping["task"]?.scalar?.string
        else { return "forecast" }
        return task
    }
}
