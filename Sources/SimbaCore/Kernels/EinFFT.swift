// EinFFT channel mixing (SiMBA): orthonormal 2-D DFT over (tokens, 4 channel blocks), a complex
// two-layer per-block MLP (ReLU, softshrink), real part of the inverse DFT. No residual, norm or dropout.

import Foundation

/// SiMBA's `EinFFT` (github.com/badripatro/Simba `classification/simba.py`), forward and backward.
///
/// For x (batch, N, C), C = 4·bs, viewed as (batch, N, 4, bs):
/// 1. X = `torch.fft.fft2(x, dim=(1, 2), norm="ortho")`: DFT over tokens AND blocks, scaled 1/√(4N).
/// 2. Per block k, with W = W[0] + i·W[1] and row vector times matrix (`einsum('...bd,bdk->...bk')`):
///    H = relu(Re(X·W1 + b1)) + i·relu(Im(X·W1 + b1)), Z = softshrink(X·W2 + b2, λ = 0.01) on real
///    and imaginary parts separately (H in place of X in the second layer).
/// 3. y = Re(ifft2(Z, dim=(1, 2), norm="ortho")), reshaped to (batch, N, C).
///
/// Spectra are stored "block-split complex": (batch, N, 4, 2, bs), i.e. per token and block the
/// bs real parts followed by the bs imaginary parts (a token row is 2C floats). Each complex layer
/// is then one real GEMM per block over all batch·N rows: [Re | Im] (rows, 2bs) times the stacked
/// matrix [[Wr, Wi], [−Wi, Wr]] (2bs, 2bs).
///
/// Saved by `forward` for `backward` (the caller keeps them unchanged in between): `spectrum` = X,
/// `hidden` = H (after ReLU; its sign is the ReLU mask), `mixed` = Z (after softshrink; Z ≠ 0 is
/// exactly the softshrink mask, since v − λ > 0 whenever v > λ in IEEE arithmetic).
/// Each is `spectrumCount` = 2·batch·N·C floats.
///
/// Workspace (both directions): `workspaceCount` = 4·batch·N·C + 4·C² + batch·N + 2·C floats
/// (two spectra, four stacked 2bs×2bs matrices per block, a ones vector and a bias row).
public enum EinFFT {
    public static let blocks = 4
    /// Softshrink λ (`sparsity_threshold` in the official code).
    public static let sparsityThreshold: Float = 0.01

    /// Floats in each of `spectrum`, `hidden`, `mixed`: 2·batch·length·channels.
    public static func spectrumCount(batch: Int, length: Int, channels: Int) -> Int {
        2 * batch * length * channels
    }

    /// Floats of workspace for `forward` and `backward`: 4·batch·length·C + 4·C² + batch·length + 2·C.
    public static func workspaceCount(batch: Int, length: Int, channels: Int) -> Int {
        4 * batch * length * channels + 4 * channels * channels + batch * length + 2 * channels
    }

    /// Channels per FFTW call: the widest divisor of bs that is at most 32 floats, so a batch is
    /// split into a few independent DFT loops that run in parallel, each touching whole cache lines.
    public static func chunkWidth(blockSize: Int) -> Int {
        var parts = 1
        while blockSize / parts > 32 || blockSize % parts != 0 { parts += 1 }
        return blockSize / parts
    }

    /// The FFTW plan `forward` and `backward` need for `length` tokens and `channels` channels: the
    /// 2-D DFT over (length, 4) of `chunkWidth` channels of one sample, in block-split layout.
    public static func makeTransform(length: Int, channels: Int, measure: Bool = false) -> FFT {
        precondition(channels > 0 && channels % blocks == 0, "EinFFT channels \(channels) must be a positive multiple of 4")
        let bs = channels / blocks
        return FFT(
            transform: [.init(count: length, stride: 2 * channels), .init(count: blocks, stride: 2 * bs)],
            loop: [.init(count: chunkWidth(blockSize: bs), stride: 1)],
            imaginaryOffset: bs, measure: measure)
    }

    public static func forward(
        output: UnsafeMutablePointer<Float>,        // (batch, length, channels)
        spectrum: UnsafeMutablePointer<Float>,      // (batch, length, 4, 2, bs): X, saved
        hidden: UnsafeMutablePointer<Float>,        // (batch, length, 4, 2, bs): H, saved
        mixed: UnsafeMutablePointer<Float>,         // (batch, length, 4, 2, bs): Z, saved
        workspace: UnsafeMutablePointer<Float>,     // (workspaceCount)
        input: UnsafePointer<Float>,                // (batch, length, channels)
        weight1: UnsafePointer<Float>,              // (2, 4, bs, bs): complex_weight_1
        weight2: UnsafePointer<Float>,              // (2, 4, bs, bs): complex_weight_2
        bias1: UnsafePointer<Float>,                // (2, 4, bs): complex_bias_1
        bias2: UnsafePointer<Float>,                // (2, 4, bs): complex_bias_2
        transform: FFT, batch: Int, length: Int, channels: Int
    ) {
        let shape = Shape(batch: batch, length: length, channels: channels, transform: transform)
        let scratch = Workspace(workspace, shape)
        let scale = 1 / Float(4 * length).squareRoot()
        let bs = shape.bs, C = channels
        Parallel.forEachRange(shape.rows, costPerItem: 2 * C) { range in
            for r in range {
                let source = input + r * C, row = spectrum + r * 2 * C
                for k in 0..<blocks {
                    for j in 0..<bs {
                        row[k * 2 * bs + j] = scale * source[k * bs + j]
                        row[k * 2 * bs + bs + j] = 0
                    }
                }
            }
        }
        runTransform(transform, on: spectrum, shape, inverse: false)
        stack(scratch.stacked1, weight1, bs: bs)
        stack(scratch.stacked2, weight2, bs: bs)
        mix(hidden, spectrum, scratch.stacked1, shape, transposed: false)
        addBias(hidden, bias1, shape) { max($0, 0) }
        mix(mixed, hidden, scratch.stacked2, shape, transposed: false)
        let lambda = sparsityThreshold
        addBias(mixed, bias2, shape) { $0 > lambda ? $0 - lambda : ($0 < -lambda ? $0 + lambda : 0) }
        let work = scratch.spectrum1
        Parallel.forEachRange(shape.rows, costPerItem: 2 * C) { range in
            let start = range.lowerBound * 2 * C
            (work + start).update(from: mixed + start, count: range.count * 2 * C)
        }
        runTransform(transform, on: work, shape, inverse: true)
        Parallel.forEachRange(shape.rows, costPerItem: C) { range in
            for r in range {
                let row = work + r * 2 * C, target = output + r * C
                for k in 0..<blocks {
                    for j in 0..<bs { target[k * bs + j] = scale * row[k * 2 * bs + j] }
                }
            }
        }
    }

    /// Accumulates (+=) dInput, dWeight1, dWeight2, dBias1, dBias2. The adjoint of each forward
    /// step: Re(ortho inverse DFT) ↦ ortho forward DFT of dOutput embedded as real; softshrink and
    /// ReLU ↦ their masks; each complex layer ↦ GEMMs with the stacked matrix transposed (input
    /// gradient) and with the layer input transposed (weight gradient); ortho forward DFT of a real
    /// input ↦ real part of the ortho inverse DFT.
    public static func backward(
        dInput: UnsafeMutablePointer<Float>,        // (batch, length, channels), +=
        dWeight1: UnsafeMutablePointer<Float>,      // (2, 4, bs, bs), +=
        dWeight2: UnsafeMutablePointer<Float>,      // (2, 4, bs, bs), +=
        dBias1: UnsafeMutablePointer<Float>,        // (2, 4, bs), +=
        dBias2: UnsafeMutablePointer<Float>,        // (2, 4, bs), +=
        workspace: UnsafeMutablePointer<Float>,     // (workspaceCount)
        dOutput: UnsafePointer<Float>,              // (batch, length, channels)
        spectrum: UnsafePointer<Float>,             // (batch, length, 4, 2, bs): X from forward
        hidden: UnsafePointer<Float>,               // (batch, length, 4, 2, bs): H from forward
        mixed: UnsafePointer<Float>,                // (batch, length, 4, 2, bs): Z from forward
        weight1: UnsafePointer<Float>,              // (2, 4, bs, bs)
        weight2: UnsafePointer<Float>,              // (2, 4, bs, bs)
        transform: FFT, batch: Int, length: Int, channels: Int
    ) {
        let shape = Shape(batch: batch, length: length, channels: channels, transform: transform)
        let scratch = Workspace(workspace, shape)
        let scale = 1 / Float(4 * length).squareRoot()
        let bs = shape.bs, C = channels
        let dMixed = scratch.spectrum1, dHidden = scratch.spectrum2
        Parallel.forEachRange(shape.rows, costPerItem: 2 * C) { range in
            for r in range {
                let source = dOutput + r * C, row = dMixed + r * 2 * C
                for k in 0..<blocks {
                    for j in 0..<bs {
                        row[k * 2 * bs + j] = scale * source[k * bs + j]
                        row[k * 2 * bs + bs + j] = 0
                    }
                }
            }
        }
        runTransform(transform, on: dMixed, shape, inverse: false)
        applyMask(dMixed, mixed, shape) { $0 != 0 }
        biasGradient(dBias2, dMixed, scratch, shape)
        stack(scratch.stacked1, weight1, bs: bs)
        stack(scratch.stacked2, weight2, bs: bs)
        stackedGradient(scratch.dStacked2, layerInput: hidden, dLayerOutput: dMixed, shape)
        foldStacked(dWeight2, scratch.dStacked2, bs: bs)
        mix(dHidden, dMixed, scratch.stacked2, shape, transposed: true)
        applyMask(dHidden, hidden, shape) { $0 > 0 }
        biasGradient(dBias1, dHidden, scratch, shape)
        stackedGradient(scratch.dStacked1, layerInput: spectrum, dLayerOutput: dHidden, shape)
        foldStacked(dWeight1, scratch.dStacked1, bs: bs)
        let dSpectrum = scratch.spectrum1
        mix(dSpectrum, dHidden, scratch.stacked1, shape, transposed: true)
        runTransform(transform, on: dSpectrum, shape, inverse: true)
        Parallel.forEachRange(shape.rows, costPerItem: C) { range in
            for r in range {
                let row = dSpectrum + r * 2 * C, target = dInput + r * C
                for k in 0..<blocks {
                    for j in 0..<bs { target[k * bs + j] += scale * row[k * 2 * bs + j] }
                }
            }
        }
    }

    // MARK: Steps

    /// Sizes of one call, checked against the plan.
    struct Shape {
        let batch, length, channels, bs, rows, chunk: Int
        var spectrumCount: Int { 2 * rows * channels }

        init(batch: Int, length: Int, channels: Int, transform: FFT) {
            precondition(batch >= 0 && length > 0, "EinFFT needs batch ≥ 0 and length > 0")
            precondition(channels > 0 && channels % EinFFT.blocks == 0, "EinFFT channels \(channels) must be a positive multiple of 4")
            self.batch = batch
            self.length = length
            self.channels = channels
            bs = channels / EinFFT.blocks
            rows = batch * length
            chunk = EinFFT.chunkWidth(blockSize: bs)
            precondition(
                transform.transformDimensions == [.init(count: length, stride: 2 * channels), .init(count: EinFFT.blocks, stride: 2 * bs)]
                    && transform.loopDimensions == [.init(count: chunk, stride: 1)],
                "EinFFT transform was planned for another length or channel count (use makeTransform(length: \(length), channels: \(channels)))")
        }
    }

    /// The workspace carved into its parts.
    struct Workspace {
        let spectrum1, spectrum2, stacked1, stacked2, dStacked1, dStacked2, ones, biasRow: UnsafeMutablePointer<Float>

        init(_ base: UnsafeMutablePointer<Float>, _ shape: Shape) {
            let spectrumCount = shape.spectrumCount, matrixCount = shape.channels * shape.channels
            spectrum1 = base
            spectrum2 = spectrum1 + spectrumCount
            stacked1 = spectrum2 + spectrumCount
            stacked2 = stacked1 + matrixCount
            dStacked1 = stacked2 + matrixCount
            dStacked2 = dStacked1 + matrixCount
            ones = dStacked2 + matrixCount
            biasRow = ones + shape.rows
        }
    }

    /// In-place DFT of every sample and channel chunk of a block-split spectrum, in parallel.
    static func runTransform(_ transform: FFT, on data: UnsafeMutablePointer<Float>, _ shape: Shape, inverse: Bool) {
        let chunks = shape.bs / shape.chunk, sampleCount = shape.length * 2 * shape.channels
        Parallel.forEach(shape.batch * chunks, costPerItem: sampleCount * 4) { item in
            let real = data + (item / chunks) * sampleCount + (item % chunks) * shape.chunk
            if inverse {
                transform.inverse(real: real, imaginary: real + shape.bs)
            } else {
                transform.forward(real: real, imaginary: real + shape.bs)
            }
        }
    }

    /// stacked[k] = [[Wr[k], Wi[k]], [−Wi[k], Wr[k]]] (2bs, 2bs), for W (2, 4, bs, bs).
    static func stack(_ stacked: UnsafeMutablePointer<Float>, _ weight: UnsafePointer<Float>, bs: Int) {
        let n = 2 * bs
        for k in 0..<blocks {
            let real = weight + k * bs * bs, imaginary = weight + (blocks + k) * bs * bs, s = stacked + k * n * n
            for i in 0..<bs {
                for j in 0..<bs {
                    let wr = real[i * bs + j], wi = imaginary[i * bs + j]
                    s[i * n + j] = wr
                    s[i * n + bs + j] = wi
                    s[(bs + i) * n + j] = -wi
                    s[(bs + i) * n + bs + j] = wr
                }
            }
        }
    }

    /// dW[0][k] += dS[k][:bs, :bs] + dS[k][bs:, bs:]; dW[1][k] += dS[k][:bs, bs:] − dS[k][bs:, :bs]
    /// (the adjoint of `stack`).
    static func foldStacked(_ dWeight: UnsafeMutablePointer<Float>, _ dStacked: UnsafePointer<Float>, bs: Int) {
        let n = 2 * bs
        for k in 0..<blocks {
            let real = dWeight + k * bs * bs, imaginary = dWeight + (blocks + k) * bs * bs, d = dStacked + k * n * n
            for i in 0..<bs {
                for j in 0..<bs {
                    real[i * bs + j] += d[i * n + j] + d[(bs + i) * n + bs + j]
                    imaginary[i * bs + j] += d[i * n + bs + j] - d[(bs + i) * n + j]
                }
            }
        }
    }

    /// Per block k, over all rows: destination[:, k] = source[:, k] · stacked[k] (or · stacked[k]ᵀ).
    static func mix(
        _ destination: UnsafeMutablePointer<Float>, _ source: UnsafePointer<Float>,
        _ stacked: UnsafePointer<Float>, _ shape: Shape, transposed: Bool
    ) {
        let n = 2 * shape.bs, rowStride = 2 * shape.channels
        for k in 0..<blocks {
            BLAS.gemm(
                transposeA: false, transposeB: transposed, m: shape.rows, n: n, k: n,
                a: source + k * n, lda: rowStride, b: stacked + k * n * n, ldb: n,
                beta: 0, c: destination + k * n, ldc: rowStride)
        }
    }

    /// dStacked[k] = layerInput[:, k]ᵀ · dLayerOutput[:, k] (2bs, 2bs), over all rows.
    static func stackedGradient(
        _ dStacked: UnsafeMutablePointer<Float>, layerInput: UnsafePointer<Float>,
        dLayerOutput: UnsafePointer<Float>, _ shape: Shape
    ) {
        let n = 2 * shape.bs, rowStride = 2 * shape.channels
        for k in 0..<blocks {
            BLAS.gemm(
                transposeA: true, transposeB: false, m: n, n: n, k: shape.rows,
                a: layerInput + k * n, lda: rowStride, b: dLayerOutput + k * n, ldb: rowStride,
                beta: 0, c: dStacked + k * n * n, ldc: n)
        }
    }

    /// data[r, k, p, j] = activation(data[r, k, p, j] + bias[p, k, j]) for bias (2, 4, bs).
    static func addBias(
        _ data: UnsafeMutablePointer<Float>, _ bias: UnsafePointer<Float>, _ shape: Shape,
        _ activation: @escaping (Float) -> Float
    ) {
        let bs = shape.bs, rowStride = 2 * shape.channels
        Parallel.forEachRange(shape.rows, costPerItem: rowStride) { range in
            for r in range {
                let row = data + r * rowStride
                for k in 0..<blocks {
                    for p in 0..<2 {
                        let values = row + (2 * k + p) * bs, b = bias + (p * blocks + k) * bs
                        for j in 0..<bs { values[j] = activation(values[j] + b[j]) }
                    }
                }
            }
        }
    }

    /// gradient[i] = 0 where !keep(saved[i]), over a whole block-split spectrum.
    static func applyMask(
        _ gradient: UnsafeMutablePointer<Float>, _ saved: UnsafePointer<Float>, _ shape: Shape,
        _ keep: @escaping (Float) -> Bool
    ) {
        let rowStride = 2 * shape.channels
        Parallel.forEachRange(shape.rows, costPerItem: rowStride) { range in
            for i in (range.lowerBound * rowStride)..<(range.upperBound * rowStride) where !keep(saved[i]) {
                gradient[i] = 0
            }
        }
    }

    /// dBias[p, k, j] += Σ_rows dLayerOutput[r, k, p, j]: one GEMM of a ones row with all rows.
    static func biasGradient(
        _ dBias: UnsafeMutablePointer<Float>, _ dLayerOutput: UnsafePointer<Float>,
        _ scratch: Workspace, _ shape: Shape
    ) {
        let bs = shape.bs, rowStride = 2 * shape.channels
        scratch.ones.update(repeating: 1, count: shape.rows)
        BLAS.gemm(
            transposeA: false, transposeB: false, m: 1, n: rowStride, k: shape.rows,
            a: scratch.ones, lda: max(1, shape.rows), b: dLayerOutput, ldb: rowStride,
            beta: 0, c: scratch.biasRow, ldc: rowStride)
        for k in 0..<blocks {
            for p in 0..<2 {
                for j in 0..<bs { dBias[(p * blocks + k) * bs + j] += scratch.biasRow[(2 * k + p) * bs + j] }
            }
        }
    }
}
