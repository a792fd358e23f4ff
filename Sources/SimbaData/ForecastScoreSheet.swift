// One forecaster's scores over windows × steps × target columns: per column and pooled over the
// columns, on the standardised scale and in original units. It neither forecasts nor prints.

/// Metric sums per target column, standardised and in original units (x · std + mean with the
/// scaler of the data, in Double; truths through `originalUnits`), for forecasts laid out
/// (windows, H, K) as the model and the baselines give them.
///
/// "Pooled" metrics merge the columns' sums: one number over every window × step × column, as
/// Time-Series-Library reports. In original units a pooled number is dominated by the column with
/// the largest unit; the per-column numbers are the ones to compare across columns.
public struct ForecastScoreSheet: Sendable {
    /// Names of the K target columns.
    public let columns: [String]
    /// Sums per column on the standardised scale.
    public private(set) var standardised: [ForecastMetricAccumulator]
    /// Sums per column in original units.
    public private(set) var original: [ForecastMetricAccumulator]
    private let means: [Double], stds: [Double]

    /// Scores for the target columns `columnRange` of `scaler` (e.g. `ForecastData.outputColumnRange`).
    public init(scaler: ForecastScaler, columnRange: Range<Int>) {
        precondition(
            !columnRange.isEmpty && columnRange.upperBound <= scaler.columns.count,
            "columns outside the scaler")
        columns = Array(scaler.columns[columnRange])
        means = Array(scaler.means[columnRange])
        stds = Array(scaler.stds[columnRange])
        standardised = Array(repeating: ForecastMetricAccumulator(), count: columnRange.count)
        original = standardised
    }

    /// Adds `rows` rows of K standardised values (a window's step is a row).
    public mutating func add(prediction: UnsafePointer<Float>, truth: UnsafePointer<Float>, rows: Int) {
        let k = columns.count
        for j in 0..<k {
            var scaled = standardised[j], unscaled = original[j]
            let (mean, std) = (means[j], stds[j])
            for r in 0..<rows {
                let (p, t) = (Double(prediction[r * k + j]), Double(truth[r * k + j]))
                scaled.add(prediction: p, truth: t)
                unscaled.add(prediction: p * std + mean, truth: Self.originalUnits(t, mean: mean, std: std))
            }
            standardised[j] = scaled
            original[j] = unscaled
        }
    }

    /// A standardised float32 value `x` back in original units, x · std + mean, with 0 where the
    /// result is within the float32 rounding of x (|x · std + mean| ≤ 2⁻²³ · |x| · std): a 0 in the
    /// file comes back from float32 as a few 1e-7, and MAPE must see it as the 0 it was.
    @inline(__always)
    public static func originalUnits(_ x: Double, mean: Double, std: Double) -> Double {
        let value = x * std + mean
        return abs(value) <= 0x1p-23 * abs(x) * std ? 0 : value
    }

    /// Every column's standardised sums merged.
    public var pooledStandardised: ForecastMetricAccumulator { Self.pooled(standardised) }
    /// Every column's sums in original units merged.
    public var pooledOriginal: ForecastMetricAccumulator { Self.pooled(original) }

    private static func pooled(_ columns: [ForecastMetricAccumulator]) -> ForecastMetricAccumulator {
        var all = ForecastMetricAccumulator()
        for column in columns { all.merge(column) }
        return all
    }
}
