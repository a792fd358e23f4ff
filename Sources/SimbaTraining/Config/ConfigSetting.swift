// A config key declared together with where its value lands in a task's typed settings, so name,
// kind, bounds, default, doc and destination are written once. It resolves nothing; `Config` does.

import SimbaData
import SimbaModel

/// A type a config value can land as: built from a resolved `ConfigValue` of a key's kind.
public protocol ConfigLandable: Equatable {
    /// The value of `configValue`, which has already been checked against the key's kind; a value of
    /// another kind is a programming error (a key declared with the wrong kind for its destination).
    init(configValue: ConfigValue)
}

/// One key of a task's schema and where its value lands in the task's settings `Settings`.
///
/// Most keys land on one property through a key path; those whose config value means something the
/// settings do not hold as such (`0` = "the variant's") land through a closure. A key that lands
/// nowhere (`task`, paths the job opens) is read where it is used.
public struct ConfigSetting<Settings>: @unchecked Sendable {
    public let key: ConfigKey
    /// Writes the resolved value of `key` into the settings; nil for a key read where it is used.
    let land: ((inout Settings, ConfigValue) -> Void)?
    /// Whether the settings hold the key's default where it lands; nil unless it lands on a key path.
    let holdsDefault: ((Settings) -> Bool)?

    /// A key read where it is used rather than landing in the settings.
    public init(_ path: String, _ kind: ConfigKind, default defaultValue: ConfigDefault, _ doc: String) {
        key = ConfigKey(path, kind, default: defaultValue, doc)
        land = nil
        holdsDefault = nil
    }

    /// A key whose value lands on `destination`.
    public init<Value: ConfigLandable>(
        _ path: String, _ kind: ConfigKind, default defaultValue: ConfigDefault,
        _ doc: String, at destination: WritableKeyPath<Settings, Value>
    ) {
        let key = ConfigKey(path, kind, default: defaultValue, doc)
        self.key = key
        land = { settings, value in settings[keyPath: destination] = Value(configValue: value) }
        holdsDefault = { settings in
            guard case let .value(value) = key.defaultValue else { return true }
            return settings[keyPath: destination] == Value(configValue: value)
        }
    }

    /// A key whose value lands through `land`.
    public init(
        _ path: String, _ kind: ConfigKind, default defaultValue: ConfigDefault, _ doc: String,
        land: @escaping (inout Settings, ConfigValue) -> Void
    ) {
        key = ConfigKey(path, kind, default: defaultValue, doc)
        self.land = land
        holdsDefault = nil
    }

    /// The keys of `settings` whose default differs from the value `base` holds where they land
    /// (for the test that keeps the schema's defaults and the types' own defaults the same).
    public static func disagreements(_ settings: [ConfigSetting], base: Settings) -> [String] {
        settings.filter { $0.holdsDefault.map { holds in !holds(base) } ?? false }.map(\.key.path)
    }
}

extension ConfigSchema {
    /// The schema of the keys of `settings`, in their order.
    public init<Settings>(_ settings: [ConfigSetting<Settings>]) {
        self.init(settings.map(\.key))
    }
}

extension Config {
    /// `base` with the value of every key of `settings` landed on it, in order (so a key may refine
    /// what an earlier one set, as model sizes refine the variant). The keys must be this config's.
    public func settings<Settings>(_ settings: [ConfigSetting<Settings>], base: Settings) -> Settings {
        var result = base
        for setting in settings {
            precondition(
                schema.key(setting.key.path) == setting.key,
                "'\(setting.key.path)' is not a key of this config")
            setting.land?(&result, value(setting.key.path))
        }
        return result
    }
}

extension ConfigDefault {
    /// A list of numbers.
    public static func list(_ values: [Double]) -> ConfigDefault { .value(.list(values.map(ConfigValue.double))) }
    /// A list of whole numbers.
    public static func list(_ values: [Int]) -> ConfigDefault { .value(.list(values.map(ConfigValue.int))) }
}

// MARK: Landable types

extension Int: ConfigLandable {
    public init(configValue: ConfigValue) {
        guard case let .int(int) = configValue else { preconditionFailure("\(configValue) is not a whole number") }
        self = int
    }
}

extension UInt64: ConfigLandable {
    public init(configValue: ConfigValue) {
        let int = Int(configValue: configValue)
        precondition(int >= 0, "a UInt64 setting needs a key bounded at 0")
        self = UInt64(int)
    }
}

extension Double: ConfigLandable {
    public init(configValue: ConfigValue) {
        switch configValue {
        case let .double(double): self = double
        case let .int(int): self = Double(int)
        default: preconditionFailure("\(configValue) is not a number")
        }
    }
}

extension Float: ConfigLandable {
    public init(configValue: ConfigValue) {
        self = Float(Double(configValue: configValue))
    }
}

extension Bool: ConfigLandable {
    public init(configValue: ConfigValue) {
        guard case let .bool(bool) = configValue else { preconditionFailure("\(configValue) is not a boolean") }
        self = bool
    }
}

extension String: ConfigLandable {
    public init(configValue: ConfigValue) {
        guard case let .string(string) = configValue else { preconditionFailure("\(configValue) is not a string") }
        self = string
    }
}

extension Array: ConfigLandable where Element: ConfigLandable {
    public init(configValue: ConfigValue) {
        guard case let .list(values) = configValue else { preconditionFailure("\(configValue) is not a list") }
        self = values.map(Element.init(configValue:))
    }
}

/// A choice key landing as an enum whose raw values are the choices.
public protocol ConfigChoice: ConfigLandable, CaseIterable, RawRepresentable where RawValue == String {}

extension ConfigChoice {
    public init(configValue: ConfigValue) {
        guard let choice = Self(rawValue: String(configValue: configValue)) else {
            preconditionFailure("\(configValue) is not a case of \(Self.self)")
        }
        self = choice
    }
}

extension OptimizerKind: ConfigChoice {}
extension LearningRateSchedule.Kind: ConfigChoice {}
extension ChannelMixerKind: ConfigChoice {}
extension TokenAxis: ConfigChoice {}
extension ForecastFeatures: ConfigChoice {}
extension SplitBorders: ConfigChoice {}
extension Interpolation: ConfigChoice {}
extension Aggregation: ConfigChoice {}
