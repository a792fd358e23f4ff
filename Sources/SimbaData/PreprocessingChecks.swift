// Checks of eval preprocessing settings that come from outside (command-line options, configs,
// checkpoint metadata): img_size, crop_pct, mean and std. It transforms no image.

import Foundation
import SimbaCore

/// An eval preprocessing setting that cannot be used. `setting` names it as the config key does
/// (the caller adds `data.` or turns it into an option name); `problem` says what is wrong and what
/// to give instead, e.g. "std must be finite numbers greater than 0, not '0,0,0'".
public struct PreprocessingError: Error, CustomStringConvertible {
    public enum Setting: String, Sendable {
        case imgSize = "img_size"
        case cropPct = "crop_pct"
        case mean, std
    }

    public let setting: Setting
    public let problem: String
    public var description: String { "\(setting.rawValue) \(problem)" }
}

extension Normalization {
    /// "0.485,0.456,0.406" → [0.485, 0.456, 0.406]; a PreprocessingError for `setting` (mean or std)
    /// unless the text is exactly three finite numbers, greater than 0 for std.
    public static func channels(_ text: String, _ setting: PreprocessingError.Setting) throws -> [Float] {
        guard let values = channels(text) else {
            throw PreprocessingError(
                setting: setting,
                problem: "must be three comma-separated numbers (R,G,B), not \(quoted(text))")
        }
        try check(values, setting, shown: text)
        return values
    }

    /// Refuses `values` unless they are three finite numbers, greater than 0 for std; the message
    /// quotes `shown` (the text given), else the values.
    static func check(_ values: [Float], _ setting: PreprocessingError.Setting, shown: String? = nil) throws {
        let given = shown.map { quoted($0) } ?? text(values)
        if setting == .std {
            guard values.count == 3, values.allSatisfy({ $0.isFinite && $0 > 0 }) else {
                throw PreprocessingError(
                    setting: .std,
                    problem: "must be three finite numbers greater than 0 (R,G,B), not \(given)")
            }
        } else {
            guard values.count == 3, values.allSatisfy(\.isFinite) else {
                throw PreprocessingError(
                    setting: setting,
                    problem: "must be three finite numbers (R,G,B), not \(given)")
            }
        }
    }

    /// The normalisation (v/255 − mean)/std, refused with a PreprocessingError unless every mean is
    /// finite, every std is finite and greater than 0, and every normalised byte value is a finite
    /// float32 (a std of 1e-40 would turn pixels into infinities).
    public static func checked(mean: [Float], std: [Float]) throws -> Normalization {
        try check(mean, .mean)
        try check(std, .std)
        let normalization = Normalization(mean: mean, std: std)
        guard normalization.table.allSatisfy(\.isFinite) else {
            throw PreprocessingError(
                setting: .std,
                problem: "\(text(std)) with mean \(text(mean)) turns some pixel values into infinities "
                    + "((v/255 − mean)/std beyond float32's range); give a larger std")
        }
        return normalization
    }
}

extension EvalTransform {
    /// The largest img_size accepted from outside (a side of 4096 pixels is 16× ImageNet's 224²).
    public static let maxSize = 4096
    /// The shorter side is resized to at most this many times img_size, so crop_pct is at least 1/8
    /// (`--crop-pct 1e-9` would otherwise ask for a resize to billions of pixels).
    public static let maxResizeFactor = 8

    /// The transform, refused with a PreprocessingError unless `size` is 1…`maxSize`, `cropPct` is
    /// at least 1/`maxResizeFactor` (`checkedCropPct`) and the resized side ⌊size/cropPct⌋,
    /// computed in Double so nothing wraps, is at least one pixel.
    public static func checked(
        size: Int, cropPct: Double, interpolation: Interpolation,
        normalization: Normalization
    ) throws -> EvalTransform {
        guard (1...maxSize).contains(size) else {
            throw PreprocessingError(
                setting: .imgSize,
                problem: "must be a whole number from 1 to \(maxSize), not \(size)")
        }
        _ = try checkedCropPct(cropPct)
        guard (Double(size) / cropPct).rounded(.down) >= 1 else {
            throw PreprocessingError(
                setting: .cropPct,
                problem: "\(cropPct) would resize the shorter side to img_size/crop_pct = \(size)/\(cropPct), less "
                    + "than one pixel; give a crop_pct of at most 1 (timm's default is 0.875)")
        }
        return EvalTransform(size: size, cropPct: cropPct, interpolation: interpolation, normalization: normalization)
    }

    /// `cropPct`, refused with a PreprocessingError unless it is finite and at least
    /// 1/`maxResizeFactor`, so the shorter side is resized to at most `maxResizeFactor` × img_size.
    public static func checkedCropPct(_ cropPct: Double) throws -> Double {
        let minimum = 1 / Double(maxResizeFactor)
        guard cropPct.isFinite, cropPct >= minimum else {
            throw PreprocessingError(
                setting: .cropPct,
                problem: "\(quoted(String(cropPct))) would resize the shorter side to img_size/crop_pct"
                    + (cropPct > 0 ? " = \(1 / cropPct) × img_size" : "")
                    + "; give a crop_pct of at least \(minimum) (a resize to at most \(maxResizeFactor) × img_size)")
        }
        return cropPct
    }
}

/// The values as "a,b,c" in single quotes.
private func text(_ values: [Float]) -> String {
    quoted(values.map { String($0) }.joined(separator: ","))
}
