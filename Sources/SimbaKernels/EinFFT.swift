// EinFFT channel mixing (SiMBA): orthonormal 2-D DFT over (tokens, 4 channel blocks), a complex
// two-layer per-block MLP (ReLU, softshrink), real part of the inverse DFT. No residual, norm or dropout.

import Foundation
import SimbaRuntime

/// SiMBA's `EinFFT` (github.com/badripatro/Simba `classification/simba.py`), forward and backward.
///
/// For x (batch, N, C), C = 4·bs, viewed as (batch, N, 4, bs):
/// 1. X = `torch.fft.fft2(x, dim=(1, 2), norm="ortho")`: DFT over tokens AND blocks, scaled 1/√(4N).
/// 2. Per block k, with W = W[0] + i·W[1] and row vector times matrix (`einsum('...bd,bdk->...bk')`):
///    H = relu(Re(X·W1 + b1)) + i·relu(Im(X·W1 + b1)), Z = softshrink(X·W2 + b2, λ = 0.01) on real
///    and imaginary parts separately (H in place of X in the second layer).
/// 3. y = Re(ifft2(Z, dim=(1, 2), norm="ortho")), reshaped to (batch, N, C).
///
/// Spectra are interleaved complex (batch, N, 4, bs) — (real, imaginary) float pairs, PyTorch's
/// complex64 layout, a token row is 2C floats; the 2-D DFTs are in EinFFTTransform.swift. Each
/// complex layer is one real GEMM per block over all batch·N rows: the block's 2bs interleaved
/// floats (rows, 2bs) times the stacked real matrix S (2bs, 2bs) with
/// S[2i+a, 2j+b] = [[Wr, Wi], [−Wi, Wr]][a][b][i, j].
///
/// Saved by `forward` for `backward` (the caller keeps it unchanged in between): `spectrum` = X,
/// `spectrumCount` = 2·batch·N·C floats. `backward` recomputes from it, bit for bit, H (after
/// ReLU; its sign is the ReLU mask) and from H, Z (after softshrink; Z ≠ 0 is exactly the
/// softshrink mask, since v − λ > 0 whenever v > λ in IEEE arithmetic): eight GEMMs of
/// (batch·N, 2bs)·(2bs, 2bs), instead of keeping 4·batch·N·C more floats.
///
/// Workspace: `backwardWorkspaceCount` = 6·batch·N·C + 4·C² + 2·C + T floats (three spectra, four
/// stacked 2bs×2bs matrices per block, a bias row and T = `transformBufferCount`, the transforms'
/// buffers, none for short sequences); `forward` needs only the first two spectra,
/// `forwardWorkspaceCount` = 4·batch·N·C + 4·C² + 2·C + T.
public enum EinFFT {
    public static let blocks = 4
    /// Softshrink λ (`sparsity_threshold` in the official code).
    public static let sparsityThreshold: Float = 0.01

    /// Floats in `spectrum`: 2·batch·length·channels.
    public static func spectrumCount(batch: Int, length: Int, channels: Int) -> Int {
        2 * batch * length * channels
    }

    /// Floats of workspace for `forward`: 4·batch·length·C + 4·C² + 2·C + `transformBufferCount`.
    public static func forwardWorkspaceCount(batch: Int, length: Int, channels: Int) -> Int {
        4 * batch * length * channels + 4 * channels * channels + 2 * channels
            + transformBufferCount(length: length, channels: channels)
    }

    /// Floats of workspace for `backward` (enough for `forward` too): one spectrum more.
    public static func backwardWorkspaceCount(batch: Int, length: Int, channels: Int) -> Int {
        forwardWorkspaceCount(batch: batch, length: length, channels: channels)
            + spectrumCount(batch: batch, length: length, channels: channels)
    }

    public static func forward(
        output: UnsafeMutablePointer<Float>,  // (batch, length, channels)
        spectrum: UnsafeMutablePointer<Float>,  // (batch, length, 4, bs, 2): X, saved
        workspace: UnsafeMutablePointer<Float>,  // (forwardWorkspaceCount)
        input: UnsafePointer<Float>,  // (batch, length, channels)
        weight1: UnsafePointer<Float>,  // (2, 4, bs, bs): complex_weight_1
        weight2: UnsafePointer<Float>,  // (2, 4, bs, bs): complex_weight_2
        bias1: UnsafePointer<Float>,  // (2, 4, bs): complex_bias_1
        bias2: UnsafePointer<Float>,  // (2, 4, bs): complex_bias_2
        transform: FFT, batch: Int, length: Int, channels: Int
    ) {
        let shape = Shape(batch: batch, length: length, channels: channels, transform: transform)
        let scratch = Workspace(workspace, shape)
        let scale = 1 / Float(4 * length).squareRoot()
        let bs = shape.bs
        transformForward(spectrum, of: input, scale: scale, transform, scratch.transformBuffers, shape)
        stack(scratch.stacked1, weight1, bs: bs)
        stack(scratch.stacked2, weight2, bs: bs)
        let hidden = scratch.spectrum2
        mix(hidden, spectrum, scratch.stacked1, shape, transposed: false)  // H
        addBias(hidden, bias1, scratch.biasRow, shape, .relu)
        let work = scratch.spectrum1
        mix(work, hidden, scratch.stacked2, shape, transposed: false)  // Z
        addBias(work, bias2, scratch.biasRow, shape, .softshrink)
        transformInverseReal(
            output, accumulate: false, of: work, scale: scale, transform, scratch.transformBuffers, shape)
    }

    /// Accumulates (+=) dInput, dWeight1, dWeight2, dBias1, dBias2. The adjoint of each forward
    /// step: Re(ortho inverse DFT) ↦ ortho forward DFT of dOutput embedded as real; softshrink and
    /// ReLU ↦ their masks (of Z and H, recomputed); each complex layer ↦ GEMMs with the stacked
    /// matrix transposed (input gradient) and with the layer input transposed (weight gradient);
    /// ortho forward DFT of a real input ↦ real part of the ortho inverse DFT.
    public static func backward(
        dInput: UnsafeMutablePointer<Float>,  // (batch, length, channels), +=
        dWeight1: UnsafeMutablePointer<Float>,  // (2, 4, bs, bs), +=
        dWeight2: UnsafeMutablePointer<Float>,  // (2, 4, bs, bs), +=
        dBias1: UnsafeMutablePointer<Float>,  // (2, 4, bs), +=
        dBias2: UnsafeMutablePointer<Float>,  // (2, 4, bs), +=
        workspace: UnsafeMutablePointer<Float>,  // (backwardWorkspaceCount)
        dOutput: UnsafePointer<Float>,  // (batch, length, channels)
        spectrum: UnsafePointer<Float>,  // (batch, length, 4, bs, 2): X from forward
        weight1: UnsafePointer<Float>,  // (2, 4, bs, bs)
        weight2: UnsafePointer<Float>,  // (2, 4, bs, bs)
        bias1: UnsafePointer<Float>,  // (2, 4, bs)
        bias2: UnsafePointer<Float>,  // (2, 4, bs)
        transform: FFT, batch: Int, length: Int, channels: Int
    ) {
        let shape = Shape(batch: batch, length: length, channels: channels, transform: transform)
        let scratch = Workspace(workspace, shape)
        let scale = 1 / Float(4 * length).squareRoot()
        let bs = shape.bs
        // spectrum2 holds Z until its mask is applied, then dHidden.
        let dMixed = scratch.spectrum1, mixed = scratch.spectrum2, dHidden = scratch.spectrum2
        let hidden = scratch.spectrum3
        stack(scratch.stacked1, weight1, bs: bs)
        stack(scratch.stacked2, weight2, bs: bs)
        mix(hidden, spectrum, scratch.stacked1, shape, transposed: false)  // H and Z, as in forward
        addBias(hidden, bias1, scratch.biasRow, shape, .relu)
        mix(mixed, hidden, scratch.stacked2, shape, transposed: false)
        addBias(mixed, bias2, scratch.biasRow, shape, .softshrink)
        transformForward(dMixed, of: dOutput, scale: scale, transform, scratch.transformBuffers, shape)
        applyMask(dMixed, mixed, shape, .nonzero)
        biasGradient(dBias2, dMixed, scratch, shape)
        stackedGradient(scratch.dStacked2, layerInput: hidden, dLayerOutput: dMixed, shape)
        foldStacked(dWeight2, scratch.dStacked2, bs: bs)
        mix(dHidden, dMixed, scratch.stacked2, shape, transposed: true)
        applyMask(dHidden, hidden, shape, .positive)
        biasGradient(dBias1, dHidden, scratch, shape)
        stackedGradient(scratch.dStacked1, layerInput: spectrum, dLayerOutput: dHidden, shape)
        foldStacked(dWeight1, scratch.dStacked1, bs: bs)
        let dSpectrum = scratch.spectrum1
        mix(dSpectrum, dHidden, scratch.stacked1, shape, transposed: true)
        transformInverseReal(
            dInput, accumulate: true, of: dSpectrum, scale: scale, transform, scratch.transformBuffers, shape)
    }

    // MARK: Steps

    /// Sizes of one call, checked against the plan.
    struct Shape {
        /// buffered: the transform goes through token-contiguous buffers (group = J in-block
        /// channels per item, bufferFloats per buffer); otherwise in place (chunk complex columns per call).
        let batch, length, channels, bs, rows: Int
        let buffered: Bool
        let group, bufferFloats, chunk: Int
        var spectrumCount: Int { 2 * rows * channels }

        init(batch: Int, length: Int, channels: Int, transform: FFT) {
            precondition(batch >= 0 && length > 0, "EinFFT needs batch ≥ 0 and length > 0")
            precondition(
                channels > 0 && channels % EinFFT.blocks == 0,
                "EinFFT channels \(channels) must be a positive multiple of 4")
            self.batch = batch
            self.length = length
            self.channels = channels
            bs = channels / EinFFT.blocks
            rows = batch * length
            buffered = EinFFT.isBuffered(length: length)
            let loopCount = transform.loopDimensions.first?.count ?? 0
            group = buffered ? loopCount / EinFFT.sequencesPerChannel : 0
            bufferFloats = EinFFT.bufferFloats(length: length, group: group)
            chunk = buffered ? 0 : EinFFT.chunkWidth(columns: EinFFT.sequencesPerChannel * bs)
            let planned =
                buffered
                ? transform.hasDimensions(
                    transform: [.init(count: length, stride: 1)],
                    loop: [.init(count: EinFFT.sequencesPerChannel * group, stride: length)])
                    && group > 0 && bs % group == 0 && group <= EinFFT.groupWidth(length: length, blockSize: bs)
                : transform.hasDimensions(
                    transform: [.init(count: length, stride: channels)], loop: [.init(count: chunk, stride: 1)])
            precondition(
                planned,
                "EinFFT transform was planned for another length or channel count (use makeTransform(length: "
                    + "\(length), channels: \(channels)))"
            )
        }
    }

    /// The workspace carved into its parts; `spectrum3` (backward only) comes last.
    struct Workspace {
        let spectrum1, spectrum2, stacked1, stacked2, dStacked1, dStacked2, biasRow: UnsafeMutablePointer<Float>
        /// Buffered path: Parallel.workers buffers of shape.bufferFloats, the first at a 64-byte boundary.
        let transformBuffers, spectrum3: UnsafeMutablePointer<Float>

        init(_ base: UnsafeMutablePointer<Float>, _ shape: Shape) {
            let spectrumCount = shape.spectrumCount, matrixCount = shape.channels * shape.channels
            spectrum1 = base
            spectrum2 = spectrum1 + spectrumCount
            stacked1 = spectrum2 + spectrumCount
            stacked2 = stacked1 + matrixCount
            dStacked1 = stacked2 + matrixCount
            dStacked2 = dStacked1 + matrixCount
            biasRow = dStacked2 + matrixCount
            let buffersEnd =
                biasRow + 2 * shape.channels
                + EinFFT.transformBufferCount(length: shape.length, channels: shape.channels)
            let misalignment = Int(bitPattern: biasRow + 2 * shape.channels) % 64
            transformBuffers = biasRow + 2 * shape.channels + (misalignment == 0 ? 0 : (64 - misalignment) / 4)
            spectrum3 = buffersEnd
        }
    }

    /// stacked[k][2i+a, 2j+b] = [[Wr, Wi], [−Wi, Wr]][a][b] at [k, i, j] (2bs, 2bs), for W (2, 4, bs, bs).
    /// Eight (Wr, Wi) pairs per step (`interleaved`); SiMBA-TS stacks in every forward and backward
    /// of each half-batch, where the scalar stores had cost 1.3–1.4% of an epoch (now 0.9–1.0%).
    static func stack(_ stacked: UnsafeMutablePointer<Float>, _ weight: UnsafePointer<Float>, bs: Int) {
        let n = 2 * bs
        Parallel.forEach(blocks * bs, costPerItem: 4 * bs) { row in
            let k = row / bs, i = row % bs
            // Row i of Wr and Wi; rows 2i and 2i + 1 of stacked[k].
            let real = weight + k * bs * bs + i * bs, imaginary = weight + (blocks + k) * bs * bs + i * bs
            let s = stacked + k * n * n + 2 * i * n
            let top = UnsafeMutableRawPointer(s), bottom = UnsafeMutableRawPointer(s + n)
            let vectorEnd = bs - bs % 8
            for j in stride(from: 0, to: vectorEnd, by: 8) {
                let wr = UnsafeRawPointer(real + j).loadUnaligned(as: SIMD8<Float>.self)
                let wi = UnsafeRawPointer(imaginary + j).loadUnaligned(as: SIMD8<Float>.self)
                top.storeBytes(of: interleaved(wr, wi), toByteOffset: 8 * j, as: SIMD16<Float>.self)
                bottom.storeBytes(of: interleaved(-wi, wr), toByteOffset: 8 * j, as: SIMD16<Float>.self)
            }
            for j in vectorEnd..<bs {
                let wr = real[j], wi = imaginary[j]
                s[2 * j] = wr
                s[2 * j + 1] = wi
                s[n + 2 * j] = -wi
                s[n + 2 * j + 1] = wr
            }
        }
    }

    /// (even[0], odd[0], even[1], odd[1], …).
    @inline(__always)
    static func interleaved(_ even: SIMD8<Float>, _ odd: SIMD8<Float>) -> SIMD16<Float> {
        var pairs = SIMD16<Float>()
        pairs.evenHalf = even
        pairs.oddHalf = odd
        return pairs
    }

    /// dWr[k, i, j] += dS[k][2i, 2j] + dS[k][2i+1, 2j+1]; dWi[k, i, j] += dS[k][2i, 2j+1] − dS[k][2i+1, 2j]
    /// (the adjoint of `stack`).
    static func foldStacked(_ dWeight: UnsafeMutablePointer<Float>, _ dStacked: UnsafePointer<Float>, bs: Int) {
        let n = 2 * bs
        Parallel.forEach(blocks * bs, costPerItem: 4 * bs) { row in
            let k = row / bs, i = row % bs
            // Row i of dWr and dWi; rows 2i and 2i + 1 of dStacked[k], eight pairs per step like `stack`.
            let real = dWeight + k * bs * bs + i * bs, imaginary = dWeight + (blocks + k) * bs * bs + i * bs
            let top = dStacked + k * n * n + 2 * i * n, bottom = top + n
            let vectorEnd = bs - bs % 8
            for j in stride(from: 0, to: vectorEnd, by: 8) {
                let upper = UnsafeRawPointer(top + 2 * j).loadUnaligned(as: SIMD16<Float>.self)
                let lower = UnsafeRawPointer(bottom + 2 * j).loadUnaligned(as: SIMD16<Float>.self)
                let dr = UnsafeRawPointer(real + j).loadUnaligned(as: SIMD8<Float>.self)
                let di = UnsafeRawPointer(imaginary + j).loadUnaligned(as: SIMD8<Float>.self)
                let sumReal = dr + (upper.evenHalf + lower.oddHalf),
                    sumImaginary = di + (upper.oddHalf - lower.evenHalf)
                UnsafeMutableRawPointer(real + j).storeBytes(of: sumReal, as: SIMD8<Float>.self)
                UnsafeMutableRawPointer(imaginary + j).storeBytes(of: sumImaginary, as: SIMD8<Float>.self)
            }
            for j in vectorEnd..<bs {
                real[j] += top[2 * j] + bottom[2 * j + 1]
                imaginary[j] += top[2 * j + 1] - bottom[2 * j]
            }
        }
    }

    /// Stored rows per piece of the block products (`BLAS.gemmBatch`'s `rowPiece`). Blocks up to
    /// 64 floats wide do too little work per float loaded to hide reading the rows again for each
    /// block: pieces whose slice per block is 8192 floats (32 KB), which stay in cache through the
    /// four products. Wider blocks run near sgemm's rate whole, where pieces only add calls
    /// (scripts/microbenchmarks/gemm_pieces.c: 1568 rows of 160-wide blocks, forward 2.42 ms whole, 2.59 ms in
    /// pieces of 128 rows).
    static func rowPiece(_ shape: Shape) -> Int {
        let width = 2 * shape.bs
        return width <= 64 ? 8192 / width : max(shape.rows, 1)
    }

    /// Per block k, over all rows: destination[:, k] = source[:, k] · stacked[k] (or · stacked[k]ᵀ),
    /// in row pieces through all four blocks' products.
    static func mix(
        _ destination: UnsafeMutablePointer<Float>, _ source: UnsafePointer<Float>,
        _ stacked: UnsafePointer<Float>, _ shape: Shape, transposed: Bool
    ) {
        let n = 2 * shape.bs, rowStride = 2 * shape.channels
        BLAS.gemmBatch(
            count: blocks, transposeA: false, transposeB: transposed, m: shape.rows, n: n, k: n,
            a: source, aStep: n, lda: rowStride, b: stacked, bStep: n * n, ldb: n,
            beta: 0, c: destination, cStep: n, ldc: rowStride, rowPiece: rowPiece(shape))
    }

    /// dStacked[k] = layerInput[:, k]ᵀ · dLayerOutput[:, k] (2bs, 2bs), over all rows: the blocks in
    /// parallel, each summed over the row pieces in order.
    static func stackedGradient(
        _ dStacked: UnsafeMutablePointer<Float>, layerInput: UnsafePointer<Float>,
        dLayerOutput: UnsafePointer<Float>, _ shape: Shape
    ) {
        let n = 2 * shape.bs, rowStride = 2 * shape.channels
        BLAS.gemmBatch(
            count: blocks, transposeA: true, transposeB: false, m: n, n: n, k: shape.rows,
            a: layerInput, aStep: n, lda: rowStride, b: dLayerOutput, bStep: n, ldb: rowStride,
            beta: 0, c: dStacked, cStep: n * n, ldc: n, rowPiece: rowPiece(shape))
    }

    enum Activation { case relu, softshrink }

    /// data[r, k, j, p] = activation(data[r, k, j, p] + bias[p, k, j]) for bias (2, 4, bs), through
    /// `biasRow` (2C floats), the bias interleaved like a spectrum row. Softshrink is written
    /// v − clamp(v, −λ, λ): v − λ above λ, v + λ below −λ, exactly 0 between.
    static func addBias(
        _ data: UnsafeMutablePointer<Float>, _ bias: UnsafePointer<Float>, _ biasRow: UnsafeMutablePointer<Float>,
        _ shape: Shape, _ activation: Activation
    ) {
        let bs = shape.bs, n = 2 * shape.channels, lambda = sparsityThreshold
        for k in 0..<blocks {
            for j in 0..<bs {
                biasRow[2 * (k * bs + j)] = bias[k * bs + j]
                biasRow[2 * (k * bs + j) + 1] = bias[(blocks + k) * bs + j]
            }
        }
        let biasRow = UnsafePointer(biasRow)
        Parallel.forEachRange(shape.rows, costPerItem: n) { range in
            for r in range {
                let row = data + r * n
                switch activation {
                case .relu:
                    for i in 0..<n { row[i] = max(row[i] + biasRow[i], 0) }
                case .softshrink:
                    for i in 0..<n {
                        let v = row[i] + biasRow[i]
                        row[i] = v - min(max(v, -lambda), lambda)
                    }
                }
            }
        }
    }

    enum Mask { case positive, nonzero }

    /// gradient[i] = 0 where saved[i] is not positive (ReLU) or is zero (softshrink), over a spectrum.
    static func applyMask(
        _ gradient: UnsafeMutablePointer<Float>, _ saved: UnsafePointer<Float>, _ shape: Shape, _ mask: Mask
    ) {
        let n = 2 * shape.channels
        Parallel.forEachRange(shape.rows, costPerItem: n) { range in
            let g = gradient + range.lowerBound * n, v = saved + range.lowerBound * n
            switch mask {
            case .positive:
                for i in 0..<(range.count * n) {
                    let value = g[i]
                    g[i] = v[i] > 0 ? value : 0
                }
            case .nonzero:
                for i in 0..<(range.count * n) {
                    let value = g[i]
                    g[i] = v[i] != 0 ? value : 0
                }
            }
        }
    }

    /// dBias[p, k, j] += Σ_rows dLayerOutput[r, k, j, p]: the column sums of all rows (in
    /// `biasRow`, interleaved like a spectrum row), then de-interleaved.
    static func biasGradient(
        _ dBias: UnsafeMutablePointer<Float>, _ dLayerOutput: UnsafePointer<Float>,
        _ scratch: Workspace, _ shape: Shape
    ) {
        let bs = shape.bs, rowStride = 2 * shape.channels
        scratch.biasRow.update(repeating: 0, count: rowStride)
        ChannelTiles.addColumnSums(scratch.biasRow, of: dLayerOutput, rows: shape.rows, channels: rowStride)
        for k in 0..<blocks {
            for p in 0..<2 {
                for j in 0..<bs { dBias[(p * blocks + k) * bs + j] += scratch.biasRow[2 * (k * bs + j) + p] }
            }
        }
    }
}
