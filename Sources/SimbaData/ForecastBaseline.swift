// What a baseline forecaster is: a rule that forecasts a split's windows from the data alone, on
// the standardised scale, to score beside the model. The rules themselves live in their own files.

/// A forecaster computed from the data, scored on the model's windows and scale.
///
/// Its forecasts have the model's layout after `ForecastBatchSplit.selectColumns`: (windows, H, K)
/// for the K target columns (`ForecastData.outputColumnRange`), standardised. A baseline reads each
/// target column's own past only: in features `MS` the target's, never the other inputs.
public protocol ForecastBaseline: Sendable {
    /// Name in printed tables, e.g. `seasonal naive(24)`.
    var name: String { get }
    /// Key in JSON files, e.g. `seasonal_naive`.
    var key: String { get }
    /// What a reader of its scores should know (e.g. that it reads more history than the model), or nil.
    var note: String? { get }
    /// Why it cannot forecast `split` of `data`, or nil when it can.
    func unavailable(_ data: ForecastData, split: ForecastSplit) -> String?
    /// Forecasts windows `first ..< first + count` of `split` into `output` (count, H, K); the
    /// split must not be `unavailable`.
    func forecast(
        _ data: ForecastData, split: ForecastSplit, first: Int, count: Int,
        into output: UnsafeMutablePointer<Float>)
}

extension ForecastBaseline {
    public var note: String? { nil }

    public func unavailable(_ data: ForecastData, split: ForecastSplit) -> String? { nil }
}
