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
/// Spectra are interleaved complex (batch, N, 4, bs) — (real, imaginary) float pairs, PyTorch's
/// complex64 layout, a token row is 2C floats. The 2-D DFT runs per item (sample, J in-block
/// channels): the 4-point DFT over the blocks is done while gathering the item into a buffer with
/// tokens contiguous, FFTW transforms the buffer's 4·J rows of N points, and the rows are scattered
/// back (forward) or the inverse's real part is summed over the blocks (inverse). FFTW's estimated
/// plans for tokens C complex apart in the spectrum itself took 1.7× as long, copies included. Each complex layer is
/// one real GEMM per block over all batch·N rows: the block's 2bs interleaved floats (rows, 2bs)
/// times the stacked real matrix S (2bs, 2bs) with S[2i+a, 2j+b] = [[Wr, Wi], [−Wi, Wr]][a][b][i, j].
///
/// Saved by `forward` for `backward` (the caller keeps it unchanged in between): `spectrum` = X,
/// `spectrumCount` = 2·batch·N·C floats. `backward` recomputes from it, bit for bit, H (after
/// ReLU; its sign is the ReLU mask) and from H, Z (after softshrink; Z ≠ 0 is exactly the
/// softshrink mask, since v − λ > 0 whenever v > λ in IEEE arithmetic): eight GEMMs of
/// (batch·N, 2bs)·(2bs, 2bs), instead of keeping 4·batch·N·C more floats.
///
/// Workspace: `backwardWorkspaceCount` = 6·batch·N·C + 4·C² + 2·C + T floats (three spectra, four
/// stacked 2bs×2bs matrices per block, a bias row and T = `transformBufferCount`, one
/// token-contiguous buffer per worker); `forward` needs only the first two spectra,
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

    /// Floats of the transform buffers: one per worker of 4·J·length complex numbers (J =
    /// `groupWidth`), each rounded up to 64 bytes, plus 64 bytes to align the first.
    public static func transformBufferCount(length: Int, channels: Int) -> Int {
        Parallel.workers * bufferFloats(length: length, channels: channels) + 16
    }

    static func bufferFloats(length: Int, channels: Int) -> Int {
        (2 * blocks * groupWidth(length: length, blockSize: channels / blocks) * length + 15) / 16 * 16
    }

    /// Floats of workspace for `backward` (enough for `forward` too): one spectrum more.
    public static func backwardWorkspaceCount(batch: Int, length: Int, channels: Int) -> Int {
        forwardWorkspaceCount(batch: batch, length: length, channels: channels) + spectrumCount(batch: batch, length: length, channels: channels)
    }

    /// Tokens per tile of the transforms' gather and scatter loops.
    static let tileTokens = 32

    /// In-block channels J per transform item: the widest divisor of bs whose buffer (4·J rows of
    /// `length` complex numbers) fits in 2 MB, a core's L2 cache. J = bs (a whole sample per item)
    /// up to 224×224 inputs; a narrower J reads each cache line of x bs/J times.
    public static func groupWidth(length: Int, blockSize: Int) -> Int {
        var width = blockSize
        while width > 1 && (blockSize % width != 0 || 8 * blocks * width * length > 2048 * 1024) { width -= 1 }
        return width
    }

    /// The FFTW plan `forward` and `backward` need for `length` tokens and `channels` channels: the
    /// DFT over `length` contiguous points of each of the buffer's 4·J rows. `groupWidth` sets J (a
    /// divisor of bs, at most the default `groupWidth(length:blockSize:)`); the plan carries it.
    public static func makeTransform(length: Int, channels: Int, groupWidth: Int? = nil, measure: Bool = false) -> FFT {
        precondition(channels > 0 && channels % blocks == 0, "EinFFT channels \(channels) must be a positive multiple of 4")
        let widest = Self.groupWidth(length: length, blockSize: channels / blocks), width = groupWidth ?? widest
        precondition(width > 0 && width <= widest && (channels / blocks) % width == 0, "EinFFT group width \(width) must divide bs and be at most \(widest)")
        return FFT(
            transform: [.init(count: length, stride: 1)],
            loop: [.init(count: blocks * width, stride: length)], measure: measure)
    }

    public static func forward(
        output: UnsafeMutablePointer<Float>,        // (batch, length, channels)
        spectrum: UnsafeMutablePointer<Float>,      // (batch, length, 4, bs, 2): X, saved
        workspace: UnsafeMutablePointer<Float>,     // (forwardWorkspaceCount)
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
        let bs = shape.bs
        transformForward(spectrum, of: input, scale: scale, transform, scratch.transformBuffers, shape)
        stack(scratch.stacked1, weight1, bs: bs)
        stack(scratch.stacked2, weight2, bs: bs)
        let hidden = scratch.spectrum2
        mix(hidden, spectrum, scratch.stacked1, shape, transposed: false)       // H
        addBias(hidden, bias1, scratch.biasRow, shape, .relu)
        let work = scratch.spectrum1
        mix(work, hidden, scratch.stacked2, shape, transposed: false)           // Z
        addBias(work, bias2, scratch.biasRow, shape, .softshrink)
        transformInverseReal(output, accumulate: false, of: work, scale: scale, transform, scratch.transformBuffers, shape)
    }

    /// Accumulates (+=) dInput, dWeight1, dWeight2, dBias1, dBias2. The adjoint of each forward
    /// step: Re(ortho inverse DFT) ↦ ortho forward DFT of dOutput embedded as real; softshrink and
    /// ReLU ↦ their masks (of Z and H, recomputed); each complex layer ↦ GEMMs with the stacked
    /// matrix transposed (input gradient) and with the layer input transposed (weight gradient);
    /// ortho forward DFT of a real input ↦ real part of the ortho inverse DFT.
    public static func backward(
        dInput: UnsafeMutablePointer<Float>,        // (batch, length, channels), +=
        dWeight1: UnsafeMutablePointer<Float>,      // (2, 4, bs, bs), +=
        dWeight2: UnsafeMutablePointer<Float>,      // (2, 4, bs, bs), +=
        dBias1: UnsafeMutablePointer<Float>,        // (2, 4, bs), +=
        dBias2: UnsafeMutablePointer<Float>,        // (2, 4, bs), +=
        workspace: UnsafeMutablePointer<Float>,     // (backwardWorkspaceCount)
        dOutput: UnsafePointer<Float>,              // (batch, length, channels)
        spectrum: UnsafePointer<Float>,             // (batch, length, 4, bs, 2): X from forward
        weight1: UnsafePointer<Float>,              // (2, 4, bs, bs)
        weight2: UnsafePointer<Float>,              // (2, 4, bs, bs)
        bias1: UnsafePointer<Float>,                // (2, 4, bs)
        bias2: UnsafePointer<Float>,                // (2, 4, bs)
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
        mix(hidden, spectrum, scratch.stacked1, shape, transposed: false)      // H and Z, as in forward
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
        transformInverseReal(dInput, accumulate: true, of: dSpectrum, scale: scale, transform, scratch.transformBuffers, shape)
    }

    // MARK: Steps

    /// Sizes of one call, checked against the plan.
    struct Shape {
        /// group: J in-block channels per transform item; bufferFloats: one item's buffer.
        let batch, length, channels, bs, rows, group, bufferFloats: Int
        var spectrumCount: Int { 2 * rows * channels }

        init(batch: Int, length: Int, channels: Int, transform: FFT) {
            precondition(batch >= 0 && length > 0, "EinFFT needs batch ≥ 0 and length > 0")
            precondition(channels > 0 && channels % EinFFT.blocks == 0, "EinFFT channels \(channels) must be a positive multiple of 4")
            self.batch = batch
            self.length = length
            self.channels = channels
            bs = channels / EinFFT.blocks
            rows = batch * length
            group = transform.loopDimensions.first.map { $0.count / EinFFT.blocks } ?? 0
            bufferFloats = (2 * EinFFT.blocks * group * length + 15) / 16 * 16
            precondition(
                transform.transformDimensions == [.init(count: length, stride: 1)]
                    && transform.loopDimensions == [.init(count: EinFFT.blocks * group, stride: length)]
                    && group > 0 && bs % group == 0 && group <= EinFFT.groupWidth(length: length, blockSize: bs),
                "EinFFT transform was planned for another length or channel count (use makeTransform(length: \(length), channels: \(channels)))")
        }
    }

    /// The workspace carved into its parts; `spectrum3` (backward only) comes last.
    struct Workspace {
        let spectrum1, spectrum2, stacked1, stacked2, dStacked1, dStacked2, biasRow: UnsafeMutablePointer<Float>
        /// Parallel.workers buffers of shape.bufferFloats, the first at a 64-byte boundary.
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
            let buffersEnd = biasRow + 2 * shape.channels + EinFFT.transformBufferCount(length: shape.length, channels: shape.channels)
            let misalignment = Int(bitPattern: biasRow + 2 * shape.channels) % 64
            transformBuffers = biasRow + 2 * shape.channels + (misalignment == 0 ? 0 : (64 - misalignment) / 4)
            spectrum3 = buffersEnd
        }
    }

    /// spectrum = ortho fft2 over (tokens, blocks) of the real x (batch, length, C), already
    /// multiplied by `scale`. Per item (sample, J in-block channels j₀…): the 4-point DFT over the
    /// blocks into the buffer's rows (j, k) of `length` tokens, FFTW over the tokens, rows back to
    /// the spectrum layout (batch, length, 4, bs, 2).
    // Items run sample-minor: the two workers take different samples, never neighbouring channel
    // groups of one sample, whose spectrum rows share cache lines.
    static func transformForward(
        _ spectrum: UnsafeMutablePointer<Float>, of x: UnsafePointer<Float>, scale: Float,
        _ transform: FFT, _ buffers: UnsafeMutablePointer<Float>, _ shape: Shape
    ) {
        let n = shape.length, c = shape.channels, bs = shape.bs, width = shape.group, groups = bs / width
        Parallel.forEachClaimed(shape.batch * groups, slots: Parallel.workers, costPerItem: 16 * n * width) { slot, item in
            let sample = item % shape.batch, j0 = item / shape.batch * width
            let buffer = buffers + slot * shape.bufferFloats    // (J, 4, length, 2)
            // Tiles of tileTokens tokens: each buffer row is written (or read) in runs of
            // consecutive tokens while the tile's rows of x (or of the spectrum) stay in L1.
            for t0 in stride(from: 0, to: n, by: tileTokens) {
                let tile = min(tileTokens, n - t0)
                for j in 0..<width {
                    let column = x + (sample * n + t0) * c + j0 + j
                    let point = buffer + 2 * (j * blocks * n + t0)
                    for u in 0..<tile {
                        // X_k = Σ_b x_b·e^(−2πi·kb/4): X₀ = (a + c) + (b + d), X₁ = (a − c) − i(b − d),
                        // X₂ = (a + c) − (b + d), X₃ = (a − c) + i(b − d).
                        let row = column + u * c
                        let a = scale * row[0], b = scale * row[bs], cc = scale * row[2 * bs], d = scale * row[3 * bs]
                        let even = a + cc, odd = b + d, re = a - cc, im = b - d
                        point[2 * u] = even + odd; point[2 * u + 1] = 0
                        point[2 * (n + u)] = re; point[2 * (n + u) + 1] = -im
                        point[2 * (2 * n + u)] = even - odd; point[2 * (2 * n + u) + 1] = 0
                        point[2 * (3 * n + u)] = re; point[2 * (3 * n + u) + 1] = im
                    }
                }
            }
            transform.forward(buffer)
            for t0 in stride(from: 0, to: n, by: tileTokens) {
                let tile = min(tileTokens, n - t0)
                for k in 0..<blocks {
                    for j in 0..<width {
                        let column = spectrum + 2 * ((sample * n + t0) * c + k * bs + j0 + j)
                        let point = buffer + 2 * ((j * blocks + k) * n + t0)
                        for u in 0..<tile {
                            column[2 * u * c] = point[2 * u]
                            column[2 * u * c + 1] = point[2 * u + 1]
                        }
                    }
                }
            }
        }
    }

    /// output = (or += with `accumulate`) scale·Re(ifft2(Z)) over (tokens, blocks) for a spectrum Z
    /// (batch, length, 4, bs, 2): per item, rows into the buffer, FFTW's inverse over the tokens,
    /// then the real part of the 4-point inverse DFT over the blocks.
    static func transformInverseReal(
        _ output: UnsafeMutablePointer<Float>, accumulate: Bool, of spectrum: UnsafePointer<Float>, scale: Float,
        _ transform: FFT, _ buffers: UnsafeMutablePointer<Float>, _ shape: Shape
    ) {
        let n = shape.length, c = shape.channels, bs = shape.bs, width = shape.group, groups = bs / width
        Parallel.forEachClaimed(shape.batch * groups, slots: Parallel.workers, costPerItem: 16 * n * width) { slot, item in
            let sample = item % shape.batch, j0 = item / shape.batch * width
            let buffer = buffers + slot * shape.bufferFloats    // (J, 4, length, 2)
            for t0 in stride(from: 0, to: n, by: tileTokens) {
                let tile = min(tileTokens, n - t0)
                for k in 0..<blocks {
                    for j in 0..<width {
                        let column = spectrum + 2 * ((sample * n + t0) * c + k * bs + j0 + j)
                        let point = buffer + 2 * ((j * blocks + k) * n + t0)
                        for u in 0..<tile {
                            point[2 * u] = column[2 * u * c]
                            point[2 * u + 1] = column[2 * u * c + 1]
                        }
                    }
                }
            }
            transform.inverse(buffer)
            for t0 in stride(from: 0, to: n, by: tileTokens) {
                let tile = min(tileTokens, n - t0)
                for j in 0..<width {
                    let column = output + (sample * n + t0) * c + j0 + j
                    let point = UnsafePointer(buffer + 2 * (j * blocks * n + t0))
                    for u in 0..<tile {
                        // y_b = Re Σ_k z_k·e^(2πi·kb/4): y₀ = (r₀ + r₂) + (r₁ + r₃), y₁ = (r₀ − r₂) − (i₁ − i₃),
                        // y₂ = (r₀ + r₂) − (r₁ + r₃), y₃ = (r₀ − r₂) + (i₁ − i₃).
                        let r0 = point[2 * u], r1 = point[2 * (n + u)], i1 = point[2 * (n + u) + 1]
                        let r2 = point[2 * (2 * n + u)], r3 = point[2 * (3 * n + u)], i3 = point[2 * (3 * n + u) + 1]
                        let sumEven = r0 + r2, diffEven = r0 - r2, sumOdd = r1 + r3, diffOdd = i1 - i3
                        let y0 = scale * (sumEven + sumOdd), y1 = scale * (diffEven - diffOdd)
                        let y2 = scale * (sumEven - sumOdd), y3 = scale * (diffEven + diffOdd)
                        let row = column + u * c
                        if accumulate {
                            row[0] += y0; row[bs] += y1; row[2 * bs] += y2; row[3 * bs] += y3
                        } else {
                            row[0] = y0; row[bs] = y1; row[2 * bs] = y2; row[3 * bs] = y3
                        }
                    }
                }
            }
        }
    }

    /// stacked[k][2i+a, 2j+b] = [[Wr, Wi], [−Wi, Wr]][a][b] at [k, i, j] (2bs, 2bs), for W (2, 4, bs, bs).
    static func stack(_ stacked: UnsafeMutablePointer<Float>, _ weight: UnsafePointer<Float>, bs: Int) {
        let n = 2 * bs
        Parallel.forEach(blocks * bs, costPerItem: 4 * bs) { row in
            let k = row / bs, i = row % bs
            let real = weight + k * bs * bs, imaginary = weight + (blocks + k) * bs * bs, s = stacked + k * n * n
            for j in 0..<bs {
                let wr = real[i * bs + j], wi = imaginary[i * bs + j]
                s[2 * i * n + 2 * j] = wr
                s[2 * i * n + 2 * j + 1] = wi
                s[(2 * i + 1) * n + 2 * j] = -wi
                s[(2 * i + 1) * n + 2 * j + 1] = wr
            }
        }
    }

    /// dWr[k, i, j] += dS[k][2i, 2j] + dS[k][2i+1, 2j+1]; dWi[k, i, j] += dS[k][2i, 2j+1] − dS[k][2i+1, 2j]
    /// (the adjoint of `stack`).
    static func foldStacked(_ dWeight: UnsafeMutablePointer<Float>, _ dStacked: UnsafePointer<Float>, bs: Int) {
        let n = 2 * bs
        Parallel.forEach(blocks * bs, costPerItem: 4 * bs) { row in
            let k = row / bs, i = row % bs
            let real = dWeight + k * bs * bs, imaginary = dWeight + (blocks + k) * bs * bs, d = dStacked + k * n * n
            for j in 0..<bs {
                real[i * bs + j] += d[2 * i * n + 2 * j] + d[(2 * i + 1) * n + 2 * j + 1]
                imaginary[i * bs + j] += d[2 * i * n + 2 * j + 1] - d[(2 * i + 1) * n + 2 * j]
            }
        }
    }

    /// Per block k, over all rows: destination[:, k] = source[:, k] · stacked[k] (or · stacked[k]ᵀ).
    /// The blocks' products run in parallel, each whole on one worker.
    static func mix(
        _ destination: UnsafeMutablePointer<Float>, _ source: UnsafePointer<Float>,
        _ stacked: UnsafePointer<Float>, _ shape: Shape, transposed: Bool
    ) {
        let n = 2 * shape.bs, rowStride = 2 * shape.channels
        BLAS.gemmBatch(
            count: blocks, transposeA: false, transposeB: transposed, m: shape.rows, n: n, k: n,
            a: source, aStep: n, lda: rowStride, b: stacked, bStep: n * n, ldb: n,
            beta: 0, c: destination, cStep: n, ldc: rowStride)
    }

    /// dStacked[k] = layerInput[:, k]ᵀ · dLayerOutput[:, k] (2bs, 2bs), over all rows; the blocks
    /// in parallel like `mix`.
    static func stackedGradient(
        _ dStacked: UnsafeMutablePointer<Float>, layerInput: UnsafePointer<Float>,
        dLayerOutput: UnsafePointer<Float>, _ shape: Shape
    ) {
        let n = 2 * shape.bs, rowStride = 2 * shape.channels
        BLAS.gemmBatch(
            count: blocks, transposeA: true, transposeB: false, m: n, n: n, k: shape.rows,
            a: layerInput, aStep: n, lda: rowStride, b: dLayerOutput, bStep: n, ldb: rowStride,
            beta: 0, c: dStacked, cStep: n * n, ldc: n)
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
