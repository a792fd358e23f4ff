// The error for model outputs that are not finite numbers (NaN or ±infinity), in evaluation and in
// forecasts: such outputs are never scored nor written. It detects nothing itself.

/// A model gave NaN or infinite outputs; the message says how many images or which windows, and
/// what to do.
public struct NonFiniteOutputError: Error, CustomStringConvertible {
    public let description: String
}
