// Swift names for the FFTW (single precision) calls simba uses: an owned plan for an in-place,
// unnormalised, split-complex multi-dimensional DFT. The only file that imports CFFTW; no layer maths.

import CFFTW
import Foundation

/// An in-place complex DFT over strided split-complex data, planned once and executed on any
/// arrays of the same geometry (FFTW's guru split interface, `fftwf_plan_guru_split_dft`).
///
/// Split complex: the real parts and the imaginary parts are two separate strided float arrays
/// (they may interleave in one buffer, e.g. a row of real parts followed by a row of imaginary
/// parts). Strides and counts are in floats and are the same for input and output (in place).
///
/// `forward` computes X[m] = Σ_n x[n]·exp(−2πi·Σ_d m_d·n_d/N_d) over the transform dimensions,
/// independently for every index of the loop dimensions; `inverse` uses exp(+2πi…). Neither
/// scales: the caller multiplies by 1/√(ΠN_d) for the orthonormal (`norm="ortho"`) convention.
///
/// Planning touches FFTW's global planner, which is not thread-safe, so `init` and `deinit`
/// take a process-wide lock; the plan is made with `FFTW_ESTIMATE` (or `FFTW_MEASURE`) on scratch
/// arrays, never on the caller's data. Execution (`fftwf_execute_split_dft`, the new-array
/// interface) is thread-safe: one plan may run concurrently on disjoint arrays inside
/// `Parallel.forEach`. The plan is `FFTW_UNALIGNED`, so the arrays need no particular alignment
/// (offsets of a few floats into a `FloatBuffer` are fine).
public final class FFT: @unchecked Sendable {
    /// One axis: `count` points `stride` floats apart.
    public struct Dimension: Sendable, Equatable {
        public let count: Int
        public let stride: Int
        public init(count: Int, stride: Int) {
            self.count = count
            self.stride = stride
        }
    }

    /// The axes transformed together (one multi-dimensional DFT).
    public let transformDimensions: [Dimension]
    /// The axes looped over (independent DFTs; FFTW's "howmany" dimensions).
    public let loopDimensions: [Dimension]
    private let plan: fftwf_plan

    /// Serialises every use of FFTW's planner (plan creation and destruction) in the process.
    private static let plannerLock = NSLock()

    /// Plans the transform. `imaginaryOffset` is where the imaginary parts sit relative to the
    /// real parts in the arrays this plan will run on (used only to lay out the planning scratch).
    /// `measure`: let FFTW time candidate algorithms (`FFTW_MEASURE`, slower to plan) instead of
    /// estimating (`FFTW_ESTIMATE`).
    public init(transform: [Dimension], loop: [Dimension], imaginaryOffset: Int, measure: Bool = false) {
        precondition(!transform.isEmpty, "FFT needs at least one transform dimension")
        precondition((transform + loop).allSatisfy { $0.count > 0 && $0.stride > 0 }, "FFT dimensions must be positive")
        precondition(imaginaryOffset > 0, "FFT imaginary parts must follow the real parts")
        transformDimensions = transform
        loopDimensions = loop
        let extent = 1 + (transform + loop).reduce(0) { $0 + ($1.count - 1) * $1.stride }
        let scratch = FloatBuffer(count: extent + imaginaryOffset)
        func iodims(_ dims: [Dimension]) -> [fftwf_iodim] {
            dims.map { fftwf_iodim(n: Int32($0.count), is: Int32($0.stride), os: Int32($0.stride)) }
        }
        let transformDims = iodims(transform), loopDims = iodims(loop)
        let flags = (measure ? UInt32(FFTW_MEASURE) : UInt32(FFTW_ESTIMATE)) | UInt32(FFTW_UNALIGNED)
        let real = scratch.pointer, imaginary = scratch.pointer + imaginaryOffset
        FFT.plannerLock.lock()
        let made = fftwf_plan_guru_split_dft(
            Int32(transformDims.count), transformDims, Int32(loopDims.count), loopDims,
            real, imaginary, real, imaginary, flags)
        FFT.plannerLock.unlock()
        guard let made else { preconditionFailure("FFTW could not plan a DFT over \(transform) × \(loop)") }
        plan = made
    }

    deinit {
        FFT.plannerLock.lock()
        fftwf_destroy_plan(plan)
        FFT.plannerLock.unlock()
    }

    /// In place, exp(−2πi…), unnormalised. Thread-safe on disjoint arrays.
    @inline(__always)
    public func forward(real: UnsafeMutablePointer<Float>, imaginary: UnsafeMutablePointer<Float>) {
        fftwf_execute_split_dft(plan, real, imaginary, real, imaginary)
    }

    /// In place, exp(+2πi…), unnormalised: FFTW's split plans are forward only, and the inverse
    /// DFT is the forward DFT with the real and imaginary parts swapped.
    @inline(__always)
    public func inverse(real: UnsafeMutablePointer<Float>, imaginary: UnsafeMutablePointer<Float>) {
        fftwf_execute_split_dft(plan, imaginary, real, imaginary, real)
    }
}
