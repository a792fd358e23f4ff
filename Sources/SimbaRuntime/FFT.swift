// Swift names for the FFTW (single precision) calls simba uses: owned plans for an in-place,
// unnormalised, interleaved-complex multi-dimensional DFT. The only file that imports CFFTW; no layer maths.

import CFFTW
import Foundation

/// An in-place complex DFT over strided interleaved-complex data, planned once and executed on
/// any array of the same geometry (FFTW's guru interface, `fftwf_plan_guru_dft`).
///
/// Interleaved complex: a complex number is two consecutive floats (real, imaginary), the layout
/// of C99 `float complex`, `fftwf_complex` and PyTorch's complex64. Counts and strides are in
/// complex numbers and are the same for input and output (in place).
///
/// `forward` computes X[m] = Σ_n x[n]·exp(−2πi·Σ_d m_d·n_d/N_d) over the transform dimensions,
/// independently for every index of the loop dimensions; `inverse` uses exp(+2πi…). Neither
/// scales: the caller multiplies by 1/√(ΠN_d) for the orthonormal (`norm="ortho"`) convention.
///
/// Planning touches FFTW's global planner, which is not thread-safe, so `init` and `deinit` take a
/// process-wide lock; plans are made with `FFTW_ESTIMATE` (or `FFTW_MEASURE`) on scratch arrays,
/// never on the caller's data. Execution (`fftwf_execute_dft`, the new-array interface) is
/// thread-safe: one `FFT` may run concurrently on disjoint arrays inside `Parallel.forEach`.
/// Each direction has two plans: one for arrays with FFTW's SIMD alignment (any 64-byte aligned
/// `FloatBuffer` plus offsets that are multiples of 64 bytes), which is about twice as fast, and
/// an `FFTW_UNALIGNED | FFTW_ESTIMATE` one used for any other address.
public final class FFT: @unchecked Sendable {
    /// One axis: `count` complex points `stride` complex numbers apart.
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

    /// Whether the plan has exactly these dimensions. Here, not in the kernels, so that the array
    /// comparison is compiled once, for any x86-64 CPU.
    public func hasDimensions(transform: [Dimension], loop: [Dimension]) -> Bool {
        transformDimensions == transform && loopDimensions == loop
    }

    private let forwardAligned, forwardUnaligned, inverseAligned, inverseUnaligned: fftwf_plan
    private let planAlignment: Int32

    /// Serialises every use of FFTW's planner (plan creation and destruction) in the process.
    private static let plannerLock = NSLock()

    /// Plans both directions. `measure`: let FFTW time candidate algorithms (`FFTW_MEASURE`,
    /// well under a second per plan for SiMBA's sizes, reused through FFTW's wisdom) instead of
    /// estimating (`FFTW_ESTIMATE`, deterministic). Measured plans can differ between runs in
    /// rounding, never in the result up to float32 rounding.
    public init(transform: [Dimension], loop: [Dimension], measure: Bool = false) {
        precondition(!transform.isEmpty, "FFT needs at least one transform dimension")
        precondition((transform + loop).allSatisfy { $0.count > 0 && $0.stride > 0 }, "FFT dimensions must be positive")
        transformDimensions = transform
        loopDimensions = loop
        let extent = 1 + (transform + loop).reduce(0) { $0 + ($1.count - 1) * $1.stride }
        let scratch = FloatBuffer(count: 2 * extent)
        func iodims(_ dims: [Dimension]) -> [fftwf_iodim] {
            dims.map { fftwf_iodim(n: Int32($0.count), is: Int32($0.stride), os: Int32($0.stride)) }
        }
        let transformDims = iodims(transform), loopDims = iodims(loop)
        let rigor = measure ? UInt32(FFTW_MEASURE) : UInt32(FFTW_ESTIMATE)
        let data = FFT.complex(scratch.pointer)
        func makePlan(_ sign: Int32, _ flags: UInt32) -> fftwf_plan {
            let made = fftwf_plan_guru_dft(
                Int32(transformDims.count), transformDims, Int32(loopDims.count), loopDims, data, data, sign, flags)
            guard let made else { preconditionFailure("FFTW could not plan a DFT over \(transform) × \(loop)") }
            return made
        }
        FFT.plannerLock.lock()
        forwardAligned = makePlan(FFTW_FORWARD, rigor)
        forwardUnaligned = makePlan(FFTW_FORWARD, UInt32(FFTW_ESTIMATE) | UInt32(FFTW_UNALIGNED))
        inverseAligned = makePlan(FFTW_BACKWARD, rigor)
        inverseUnaligned = makePlan(FFTW_BACKWARD, UInt32(FFTW_ESTIMATE) | UInt32(FFTW_UNALIGNED))
        planAlignment = fftwf_alignment_of(scratch.pointer)
        FFT.plannerLock.unlock()
    }

    deinit {
        FFT.plannerLock.lock()
        for plan in [forwardAligned, forwardUnaligned, inverseAligned, inverseUnaligned] { fftwf_destroy_plan(plan) }
        FFT.plannerLock.unlock()
    }

    /// In place, exp(−2πi…), unnormalised; `data` holds interleaved (real, imaginary) pairs.
    /// Thread-safe on disjoint arrays.
    @inline(__always)
    public func forward(_ data: UnsafeMutablePointer<Float>) {
        let plan = fftwf_alignment_of(data) == planAlignment ? forwardAligned : forwardUnaligned
        fftwf_execute_dft(plan, FFT.complex(data), FFT.complex(data))
    }

    /// In place, exp(+2πi…), unnormalised. Thread-safe on disjoint arrays.
    @inline(__always)
    public func inverse(_ data: UnsafeMutablePointer<Float>) {
        let plan = fftwf_alignment_of(data) == planAlignment ? inverseAligned : inverseUnaligned
        fftwf_execute_dft(plan, FFT.complex(data), FFT.complex(data))
    }

    @inline(__always)
    private static func complex(_ pointer: UnsafeMutablePointer<Float>) -> UnsafeMutablePointer<fftwf_complex> {
        UnsafeMutableRawPointer(pointer).assumingMemoryBound(to: fftwf_complex.self)
    }
}
