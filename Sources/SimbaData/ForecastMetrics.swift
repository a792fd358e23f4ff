// Forecast error metrics of Time-Series-Library (MSE, MAE, RMSE, MAPE, MSPE), summed in Double over
// every element given. They do not scale: callers state whether values are standardised or original.

/// Sums for the five metrics over any number of (prediction, truth) batches, so the metrics cover
/// every window × step × variate exactly once (no dropped last batch, no mean of batch means).
///
/// MAPE and MSPE divide by the truth. Unlike Time-Series-Library, which lets a truth of exactly 0
/// make them infinite, they skip such elements and count them in `zeroTargets`: their mean is over
/// the other elements. On the standardised scale they are still large where the truth is near 0.
public struct ForecastMetricAccumulator: Sendable {
    public private(set) var count = 0
    /// Elements whose truth is exactly 0, left out of MAPE and MSPE.
    public private(set) var zeroTargets = 0
    private var squared = 0.0, absolute = 0.0, absolutePercentage = 0.0, squaredPercentage = 0.0

    public init() {}

    /// Adds one pair.
    @inline(__always)
    public mutating func add(prediction p: Double, truth t: Double) {
        let error = p - t
        squared += error * error
        absolute += abs(error)
        if t != 0 {
            let relative = error / t
            absolutePercentage += abs(relative)
            squaredPercentage += relative * relative
        } else {
            zeroTargets += 1
        }
        count += 1
    }

    /// Adds `count` pairs; prediction and truth have the same layout.
    public mutating func add(prediction: UnsafePointer<Float>, truth: UnsafePointer<Float>, count: Int) {
        for i in 0..<count { add(prediction: Double(prediction[i]), truth: Double(truth[i])) }
    }

    public mutating func add(prediction: [Float], truth: [Float]) {
        precondition(prediction.count == truth.count, "prediction has \(prediction.count) values, truth \(truth.count)")
        prediction.withUnsafeBufferPointer { p in
            truth.withUnsafeBufferPointer { t in add(prediction: p.baseAddress!, truth: t.baseAddress!, count: p.count)
            }
        }
    }

    /// Adds the pairs `other` summed, as if they had been added here.
    public mutating func merge(_ other: ForecastMetricAccumulator) {
        count += other.count
        zeroTargets += other.zeroTargets
        squared += other.squared
        absolute += other.absolute
        absolutePercentage += other.absolutePercentage
        squaredPercentage += other.squaredPercentage
    }

    /// mean (p − t)².
    public var mse: Double { squared / Double(count) }
    /// mean |p − t|.
    public var mae: Double { absolute / Double(count) }
    /// √MSE.
    public var rmse: Double { mse.squareRoot() }
    /// mean |(p − t) / t| over the elements whose truth is not 0 (a fraction, not percent, as
    /// Time-Series-Library reports it); NaN when every truth is 0.
    public var mape: Double { absolutePercentage / Double(count - zeroTargets) }
    /// mean ((p − t) / t)² over the elements whose truth is not 0; NaN when every truth is 0.
    public var mspe: Double { squaredPercentage / Double(count - zeroTargets) }
}

/// The metrics as pure functions of whole (prediction, truth) arrays of equal length.
public enum ForecastMetrics {
    static func accumulated(_ prediction: [Float], _ truth: [Float]) -> ForecastMetricAccumulator {
        var sums = ForecastMetricAccumulator()
        sums.add(prediction: prediction, truth: truth)
        return sums
    }

    /// mean (p − t)².
    public static func mse(_ prediction: [Float], _ truth: [Float]) -> Double { accumulated(prediction, truth).mse }
    /// mean |p − t|.
    public static func mae(_ prediction: [Float], _ truth: [Float]) -> Double { accumulated(prediction, truth).mae }
    /// √(mean (p − t)²).
    public static func rmse(_ prediction: [Float], _ truth: [Float]) -> Double { accumulated(prediction, truth).rmse }
    /// mean |(p − t) / t| over the truths that are not 0.
    public static func mape(_ prediction: [Float], _ truth: [Float]) -> Double { accumulated(prediction, truth).mape }
    /// mean ((p − t) / t)² over the truths that are not 0.
    public static func mspe(_ prediction: [Float], _ truth: [Float]) -> Double { accumulated(prediction, truth).mspe }
}
