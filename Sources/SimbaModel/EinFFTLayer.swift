// The EinFFT channel mixer as a model layer: its four complex parameters, saved activations and
// scratch, and FFTW plans. The arithmetic is the SimbaCore `EinFFT` kernel; no residual or norm here.

import SimbaCore

/// SiMBA's `EinFFT(dim)` (classification/simba.py): y = Re(ifft2(softshrink(relu(fft2(x)·W1 + b1)·W2 + b2)))
/// over the (tokens, 4 blocks) axes, orthonormal, with complex block-diagonal weights.
///
/// Registers, in the official state_dict order, `complex_weight_1` (2, 4, bs, bs),
/// `complex_weight_2` (2, 4, bs, bs), `complex_bias_1` (2, 4, bs), `complex_bias_2` (2, 4, bs),
/// bs = channels/4, index 0 real and 1 imaginary, all initialised randn·0.02 as in the official code.
///
/// Owns the spectrum `forward` saves for `backward`, 2·R·C floats for R = maxBatch·maxLength
/// tokens. Scratch: forward the output (R·C) and the kernel's forward workspace
/// (4·R·C + 4·C² + R + 2·C), backward the kernel's backward workspace (2·R·C more). Its backward
/// does not read the input. The FFTW plans for `maxLength` are made at init; a shorter length
/// gets its own on first use (kept for later calls).
/// `measure` (default false) plans with `FFTW_MEASURE`: the whole layer runs about 1.5× faster than
/// with `FFTW_ESTIMATE` at SiMBA's sizes and planning takes under a second, but the chosen
/// algorithm (and so float32 rounding) can differ between processes, so a run would no longer be
/// repeatable to the last bit from its seed, nor a resume exact. Hence off by default.
public final class EinFFTLayer: SequenceLayer {
    public let channels: Int
    public let maxBatch: Int
    public let maxLength: Int
    public let complexWeight1: TensorRef
    public let complexWeight2: TensorRef
    public let complexBias1: TensorRef
    public let complexBias2: TensorRef

    private let spectrum: FloatBuffer
    /// Forward: output, kernel workspace. Backward: kernel workspace.
    public let scratch: Scratch
    public var backwardReadsInput: Bool { false }
    private var transforms: [Int: FFT] = [:]
    private let measure: Bool

    public init(
        store: ParameterStore, prefix: String, channels: Int, maxBatch: Int, maxLength: Int, measure: Bool = false
    ) {
        precondition(
            channels > 0 && channels % Kernels.current.einFFT.blocks == 0,
            "EinFFT dim \(channels) must be a positive multiple of 4")
        precondition(maxBatch > 0 && maxLength > 0, "EinFFT needs maxBatch and maxLength > 0")
        self.channels = channels
        self.maxBatch = maxBatch
        self.maxLength = maxLength
        self.measure = measure
        let blocks = Kernels.current.einFFT.blocks, bs = channels / blocks
        complexWeight1 = store.parameter(prefix + "complex_weight_1", [2, blocks, bs, bs], .normal(std: 0.02))
        complexWeight2 = store.parameter(prefix + "complex_weight_2", [2, blocks, bs, bs], .normal(std: 0.02))
        complexBias1 = store.parameter(prefix + "complex_bias_1", [2, blocks, bs], .normal(std: 0.02))
        complexBias2 = store.parameter(prefix + "complex_bias_2", [2, blocks, bs], .normal(std: 0.02))
        let rows = maxBatch * maxLength
        let spectrumCount = Kernels.current.einFFT.spectrumCount(batch: maxBatch, length: maxLength, channels: channels)
        spectrum = FloatBuffer(count: spectrumCount)
        scratch = Scratch(
            forward: [
                rows * channels,
                Kernels.current.einFFT.forwardWorkspaceCount(batch: maxBatch, length: maxLength, channels: channels)
            ],
            backward: [
                Kernels.current.einFFT.backwardWorkspaceCount(batch: maxBatch, length: maxLength, channels: channels)
            ])
        transforms[maxLength] = Kernels.current.einFFT.makeTransform(
            length: maxLength, channels: channels, groupWidth: nil, measure: measure)
    }

    private func transform(length: Int) -> FFT {
        if let made = transforms[length] { return made }
        let made = Kernels.current.einFFT.makeTransform(
            length: length, channels: channels, groupWidth: nil, measure: measure)
        transforms[length] = made
        return made
    }

    /// input (batch, length, C) → output (batch, length, C), a pointer into this layer's scratch.
    public func forward(_ input: UnsafePointer<Float>, batch: Int, length: Int) -> UnsafePointer<Float> {
        precondition(
            batch <= maxBatch && length <= maxLength,
            "EinFFT sized for \(maxBatch)×\(maxLength), got \(batch)×\(length)")
        let transform = transform(length: length)
        return scratch.withForward { buffers in
            let output = buffers.take(batch * length * channels)
            let workspace = buffers.take(
                Kernels.current.einFFT.forwardWorkspaceCount(batch: batch, length: length, channels: channels))
            Kernels.current.einFFT.forward(
                output: output, spectrum: spectrum.pointer, workspace: workspace, input: input,
                weight1: complexWeight1.value, weight2: complexWeight2.value,
                bias1: complexBias1.value, bias2: complexBias2.value,
                transform: transform, batch: batch, length: length, channels: channels)
            return UnsafePointer(output)
        }
    }

    /// Accumulates (+=) into dInput (batch, length, C) and the four parameter gradients. Uses the
    /// spectra of the last `forward` (same batch and length).
    public func backward(_ dOutput: UnsafePointer<Float>, dInput: UnsafeMutablePointer<Float>, batch: Int, length: Int)
    {
        precondition(
            batch <= maxBatch && length <= maxLength,
            "EinFFT sized for \(maxBatch)×\(maxLength), got \(batch)×\(length)")
        let transform = transform(length: length)
        scratch.withBackward { buffers in
            let workspace = buffers.take(
                Kernels.current.einFFT.backwardWorkspaceCount(batch: batch, length: length, channels: channels))
            Kernels.current.einFFT.backward(
                dInput: dInput, dWeight1: complexWeight1.gradient, dWeight2: complexWeight2.gradient,
                dBias1: complexBias1.gradient, dBias2: complexBias2.gradient, workspace: workspace,
                dOutput: dOutput, spectrum: spectrum.pointer,
                weight1: complexWeight1.value, weight2: complexWeight2.value,
                bias1: complexBias1.value, bias2: complexBias2.value,
                transform: transform, batch: batch, length: length, channels: channels)
        }
    }
}
