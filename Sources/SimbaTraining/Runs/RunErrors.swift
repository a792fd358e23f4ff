// The errors a training or evaluation run reports beyond the config's and the data's own: a
// checkpoint it cannot use, a config whose keys contradict each other, a run that cannot go on.

/// A checkpoint or run folder that cannot be used; names the file and what to do.
public struct CheckpointError: Error, CustomStringConvertible {
    public let path: String
    public let problem: String
    public init(path: String, problem: String) {
        self.path = path
        self.problem = problem
    }
    public var description: String { "\(path): \(problem)" }
}

/// A problem that involves several config keys at once (the single-key checks are the config's).
public struct ConfigCombinationError: Error, CustomStringConvertible {
    public let description: String
}

/// Why training stopped without a usable result; says what to change.
public struct TrainingError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
