// Test helpers shared by the test targets: element-wise closeness with the worst error and first
// bad index reported at the caller, central finite differences, and the PyTorch fixtures.

import Foundation
import SimbaCore
import Testing

/// Expects |actual − expected| ≤ atol + rtol·|expected| for every element; reports the first bad
/// index and the worst violation.
public func expectClose(
    _ actual: [Float], _ expected: [Float], atol: Float, rtol: Float, _ what: String,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    guard actual.count == expected.count else {
        Issue.record("\(what): count \(actual.count) ≠ expected \(expected.count)", sourceLocation: sourceLocation)
        return
    }
    var firstBad: Int?
    var worst = (index: 0, excess: Float(-1))
    for i in actual.indices {
        let error = abs(actual[i] - expected[i])
        let allowed = atol + rtol * abs(expected[i])
        if !(error <= allowed) {  // also catches NaN
            if firstBad == nil { firstBad = i }
            let excess = error.isNaN ? .infinity : error - allowed
            if excess > worst.excess { worst = (i, excess) }
        }
    }
    if let firstBad {
        let w = worst.index
        let message: String =
            "\(what): first bad index \(firstBad) (got \(actual[firstBad]), want \(expected[firstBad])); "
            + "worst index \(w) (got \(actual[w]), want \(expected[w]), |err| \(abs(actual[w] - expected[w]))) "
            + "with atol \(atol), rtol \(rtol)"
        Issue.record(Comment(rawValue: message), sourceLocation: sourceLocation)
    }
}

/// Random array with entries N(0, scale²).
public func randomArray(_ count: Int, scale: Float = 1, seed: UInt64) -> [Float] {
    var generator = RandomGenerator(seed: seed)
    return (0..<count).map { _ in scale * generator.normal() }
}

/// Central finite differences of `objective` with respect to every element of `x`.
///
/// `objective` must compute a scalar (in Double) from the current contents of `x`; use
/// Σ output·dOutput with a fixed random dOutput so every output element matters.
public func numericGradient(
    of x: UnsafeMutablePointer<Float>, count: Int, step: Float = 1e-2, _ objective: () -> Double
) -> [Float] {
    var gradient = [Float](repeating: 0, count: count)
    for i in 0..<count {
        let saved = x[i]
        x[i] = saved + step
        let plus = objective()
        x[i] = saved - step
        let minus = objective()
        x[i] = saved
        gradient[i] = Float((plus - minus) / Double(2 * step))
    }
    return gradient
}

/// Σ a·b in double precision.
public func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ count: Int) -> Double {
    var sum = 0.0
    for i in 0..<count { sum += Double(a[i]) * Double(b[i]) }
    return sum
}
