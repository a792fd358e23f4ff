// EinFFT's orthonormal 2-D DFT over (tokens, 4 channel blocks): in place on the spectrum for short
// sequences, through token-contiguous per-worker buffers for long ones. FFTW plans, no layer maths.

import Foundation

extension EinFFT {
    /// Sequences of at least this many tokens are transformed through buffers. FFTW's estimated
    /// plan for the in-place 2-D DFT vectorises across the contiguous channels, which wins for few
    /// tokens; for many it loops over the channels, each a transform of tokens C complex apart
    /// (per sample at 3136 tokens, C = 64: 1.9 ms in place, 1.0 ms through a buffer, copies
    /// included; at 256 tokens 0.14 against 0.05 ms; at 64 tokens, C = 128: 0.012 against 0.017 ms;
    /// scripts/fft_layouts.c).
    public static let bufferedMinimumLength = 128

    static func isBuffered(length: Int) -> Bool { length >= bufferedMinimumLength }

    /// In-place path: channels per FFTW call, the widest divisor of bs that is at most 32, so a
    /// batch splits into a few independent DFT loops that run in parallel, each touching whole
    /// cache lines.
    static func chunkWidth(blockSize: Int) -> Int {
        var parts = 1
        while blockSize / parts > 32 || blockSize % parts != 0 { parts += 1 }
        return blockSize / parts
    }

    /// Buffered path: the rows of `length` complex numbers a buffer holds per in-block channel. The
    /// four blocks' token sequences are two complex ones: after the DFT over the blocks, blocks 0
    /// and 2 are real (one complex row, block 0 + i·block 2) and block 3 is the conjugate of block
    /// 1 (whose row alone determines both), so FFTW transforms half the rows the blocks have.
    static let bufferRows = 2

    /// Buffered path: in-block channels J per item, the widest divisor of bs whose buffer (2·J rows
    /// of `length` complex numbers) fits in 2 MB, a core's L2 cache. J = bs (a whole sample per
    /// item) up to 224×224 inputs; a narrower J reads each cache line of x bs/J times.
    public static func groupWidth(length: Int, blockSize: Int) -> Int {
        var width = blockSize
        while width > 1 && (blockSize % width != 0 || 4 * bufferFloats(length: length, group: width) > 2048 * 1024) { width -= 1 }
        return width
    }

    /// Floats of the transform buffers in the workspace: for buffered lengths one per worker of
    /// 2·J·length complex numbers, each rounded up to 64 bytes, plus 64 bytes to align the first.
    public static func transformBufferCount(length: Int, channels: Int) -> Int {
        guard isBuffered(length: length) else { return 0 }
        let group = groupWidth(length: length, blockSize: channels / blocks)
        return Parallel.workers * bufferFloats(length: length, group: group) + 16
    }

    /// Floats of one buffer, 2·J·length complex numbers rounded up to 64 bytes.
    static func bufferFloats(length: Int, group: Int) -> Int {
        (2 * bufferRows * group * length + 15) / 16 * 16
    }

    /// The FFTW plan `forward` and `backward` need for `length` tokens and `channels` channels.
    /// In place: the 2-D DFT over (length, 4) of `chunkWidth` channels of one sample. Buffered: the
    /// DFT over `length` contiguous points of each of the buffer's 2·J rows; `groupWidth` sets J
    /// (a divisor of bs, at most the default `groupWidth(length:blockSize:)`; buffered lengths only).
    public static func makeTransform(length: Int, channels: Int, groupWidth: Int? = nil, measure: Bool = false) -> FFT {
        precondition(channels > 0 && channels % blocks == 0, "EinFFT channels \(channels) must be a positive multiple of 4")
        let bs = channels / blocks
        guard isBuffered(length: length) else {
            precondition(groupWidth == nil, "EinFFT group width applies from \(bufferedMinimumLength) tokens")
            return FFT(
                transform: [.init(count: length, stride: channels), .init(count: blocks, stride: bs)],
                loop: [.init(count: chunkWidth(blockSize: bs), stride: 1)], measure: measure)
        }
        let widest = Self.groupWidth(length: length, blockSize: bs), width = groupWidth ?? widest
        precondition(width > 0 && width <= widest && bs % width == 0, "EinFFT group width \(width) must divide bs and be at most \(widest)")
        return FFT(
            transform: [.init(count: length, stride: 1)],
            loop: [.init(count: bufferRows * width, stride: length)], measure: measure)
    }

    /// spectrum = ortho fft2 over (tokens, blocks) of the real x (batch, length, C), the input
    /// multiplied by `scale`, in the spectrum layout (batch, length, 4, bs, 2).
    static func transformForward(
        _ spectrum: UnsafeMutablePointer<Float>, of x: UnsafePointer<Float>, scale: Float,
        _ transform: FFT, _ buffers: UnsafeMutablePointer<Float>, _ shape: Shape
    ) {
        if shape.buffered {
            bufferedForward(spectrum, of: x, scale: scale, transform, buffers, shape)
            return
        }
        let c = shape.channels
        Parallel.forEachRange(shape.rows, costPerItem: 2 * c) { range in
            for r in range {
                let source = x + r * c, row = spectrum + r * 2 * c
                for i in 0..<c {
                    row[2 * i] = scale * source[i]
                    row[2 * i + 1] = 0
                }
            }
        }
        transformInPlace(spectrum, transform, shape, inverse: false)
    }

    /// output = (or += with `accumulate`) scale·Re(ifft2(Z)) over (tokens, blocks) for a spectrum Z
    /// (batch, length, 4, bs, 2), which the in-place path overwrites.
    static func transformInverseReal(
        _ output: UnsafeMutablePointer<Float>, accumulate: Bool, of spectrum: UnsafeMutablePointer<Float>, scale: Float,
        _ transform: FFT, _ buffers: UnsafeMutablePointer<Float>, _ shape: Shape
    ) {
        if shape.buffered {
            bufferedInverseReal(output, accumulate: accumulate, of: spectrum, scale: scale, transform, buffers, shape)
            return
        }
        transformInPlace(spectrum, transform, shape, inverse: true)
        let c = shape.channels
        Parallel.forEachRange(shape.rows, costPerItem: c) { range in
            for r in range {
                let row = spectrum + r * 2 * c, target = output + r * c
                if accumulate {
                    for i in 0..<c { target[i] += scale * row[2 * i] }
                } else {
                    for i in 0..<c { target[i] = scale * row[2 * i] }
                }
            }
        }
    }

    /// In-place DFT of every sample and channel chunk of a spectrum, in parallel.
    static func transformInPlace(_ data: UnsafeMutablePointer<Float>, _ transform: FFT, _ shape: Shape, inverse: Bool) {
        let chunks = shape.bs / shape.chunk, sampleCount = shape.length * 2 * shape.channels
        Parallel.forEach(shape.batch * chunks, costPerItem: sampleCount * 4) { item in
            let start = data + (item / chunks) * sampleCount + (item % chunks) * 2 * shape.chunk
            if inverse { transform.inverse(start) } else { transform.forward(start) }
        }
    }

    /// Tokens per tile of the buffered path's gather and scatter loops.
    static let tileTokens = 32

    /// Runs `body(sample, j0, buffer)` for every item (sample, J in-block channels j₀…) of the
    /// buffered path, `buffer` (J, 2, length, 2) the worker's own. Items run sample-minor: the two
    /// workers take different samples, never neighbouring channel groups of one sample, whose
    /// spectrum rows share cache lines.
    static func forEachBufferedItem(
        _ buffers: UnsafeMutablePointer<Float>, _ shape: Shape,
        _ body: (_ sample: Int, _ j0: Int, _ buffer: UnsafeMutablePointer<Float>) -> Void
    ) {
        let groups = shape.bs / shape.group
        Parallel.forEachClaimed(shape.batch * groups, slots: Parallel.workers, costPerItem: 16 * shape.length * shape.group) { slot, item in
            body(item % shape.batch, item / shape.batch * shape.group, buffers + slot * shape.bufferFloats)
        }
    }

    /// Calls `body(j, m, mirror)` for every in-block channel j < `group` and token pair
    /// (m, (length − m) mod length) with m ≤ length/2, a tile of `tileTokens` values of m at a time
    /// through all j, so that the spectrum rows of the tile and of its mirror stay in L1.
    @inline(__always)
    static func forEachMirrorPair(length n: Int, group: Int, _ body: (_ j: Int, _ m: Int, _ mirror: Int) -> Void) {
        for t0 in stride(from: 0, through: n / 2, by: tileTokens) {
            let t1 = min(t0 + tileTokens, n / 2 + 1)
            for j in 0..<group {
                for m in t0..<t1 { body(j, m, (n - m) % n) }
            }
        }
    }

    /// The inverse of the buffered forward's gather: the spectrum entries of one item (sample, all
    /// tokens, 4 blocks, j₀ ..< j₀ + J) from its transformed buffer rows, with P = DFT(x₀ + i·x₂)
    /// and Q = DFT(x₁) over the tokens (x_k the block DFT's rows):
    ///     S₀[m] = (P[m] + conj P[−m])/2,   S₂[m] = (P[m] − conj P[−m])/(2i),
    ///     S₁[m] = Q[m],                    S₃[m] = conj Q[−m],
    /// and at −m the conjugates of S₀[m], S₂[m] (real rows have Hermitian spectra).
    static func unpackSpectrum(
        _ spectrum: UnsafeMutablePointer<Float>, _ buffer: UnsafePointer<Float>, sample: Int, j0: Int, _ shape: Shape
    ) {
        let n = shape.length, c = shape.channels, bs = shape.bs
        forEachMirrorPair(length: n, group: shape.group) { j, m, mirror in
            let p = buffer + 2 * (j * bufferRows * n), q = p + 2 * n
            let base = spectrum + 2 * (sample * n * c + j0 + j)
            let pr = p[2 * m], pi = p[2 * m + 1], mr = p[2 * mirror], mi = p[2 * mirror + 1]
            let s0r = 0.5 * (pr + mr), s0i = 0.5 * (pi - mi)       // S₀[m]
            let s2r = 0.5 * (pi + mi), s2i = 0.5 * (mr - pr)       // S₂[m]
            let row = base + 2 * m * c, back = base + 2 * mirror * c
            row[0] = s0r; row[1] = s0i
            row[2 * bs] = q[2 * m]; row[2 * bs + 1] = q[2 * m + 1]
            row[4 * bs] = s2r; row[4 * bs + 1] = s2i
            row[6 * bs] = q[2 * mirror]; row[6 * bs + 1] = -q[2 * mirror + 1]
            if mirror != m {
                back[0] = s0r; back[1] = -s0i
                back[2 * bs] = q[2 * mirror]; back[2 * bs + 1] = q[2 * mirror + 1]
                back[4 * bs] = s2r; back[4 * bs + 1] = -s2i
                back[6 * bs] = q[2 * m]; back[6 * bs + 1] = -q[2 * m + 1]
            }
        }
    }

    /// The buffered inverse's gather: one item's buffer rows from the spectrum Z, whose inverse
    /// DFTs over the tokens give what the real output needs:
    ///     P[m] = H₀[m] + i·H₂[m] with H_k[m] = (Z_k[m] + conj Z_k[−m])/2, so IDFT(P) = Re z₀ + i·Re z₂,
    ///     Q[m] = Z₁[m] + conj Z₃[−m], so IDFT(Q) = z₁ + conj z₃ = (Re z₁ + Re z₃) + i·(Im z₁ − Im z₃),
    /// with z_k the inverse DFT of Z_k over the tokens.
    static func packSpectrum(
        _ buffer: UnsafeMutablePointer<Float>, _ spectrum: UnsafePointer<Float>, sample: Int, j0: Int, _ shape: Shape
    ) {
        let n = shape.length, c = shape.channels, bs = shape.bs
        forEachMirrorPair(length: n, group: shape.group) { j, m, mirror in
            let p = buffer + 2 * (j * bufferRows * n), q = p + 2 * n
            let base = spectrum + 2 * (sample * n * c + j0 + j)
            let row = base + 2 * m * c, back = base + 2 * mirror * c
            let h0r = 0.5 * (row[0] + back[0]), h0i = 0.5 * (row[1] - back[1])                           // H₀[m]
            let h2r = 0.5 * (row[4 * bs] + back[4 * bs]), h2i = 0.5 * (row[4 * bs + 1] - back[4 * bs + 1])  // H₂[m]
            p[2 * m] = h0r - h2i; p[2 * m + 1] = h0i + h2r
            q[2 * m] = row[2 * bs] + back[6 * bs]; q[2 * m + 1] = row[2 * bs + 1] - back[6 * bs + 1]
            if mirror != m {
                // H_k[−m] = conj H_k[m].
                p[2 * mirror] = h0r + h2i; p[2 * mirror + 1] = h2r - h0i
                q[2 * mirror] = back[2 * bs] + row[6 * bs]; q[2 * mirror + 1] = back[2 * bs + 1] - row[6 * bs + 1]
            }
        }
    }

    /// Per item: the 4-point DFT over the blocks into the buffer's two rows per in-block channel
    /// (blocks 0 + i·2, and 1), FFTW over the tokens, then the four blocks' spectra unpacked.
    static func bufferedForward(
        _ spectrum: UnsafeMutablePointer<Float>, of x: UnsafePointer<Float>, scale: Float,
        _ transform: FFT, _ buffers: UnsafeMutablePointer<Float>, _ shape: Shape
    ) {
        let n = shape.length, c = shape.channels, bs = shape.bs
        forEachBufferedItem(buffers, shape) { sample, j0, buffer in
            for t0 in stride(from: 0, to: n, by: tileTokens) {
                let tile = min(tileTokens, n - t0)
                for j in 0..<shape.group {
                    let column = x + (sample * n + t0) * c + j0 + j
                    let point = buffer + 2 * (j * bufferRows * n + t0)
                    for u in 0..<tile {
                        // X_k = Σ_b x_b·e^(−2πi·kb/4): X₀ = (a + c) + (b + d), X₁ = (a − c) − i(b − d),
                        // X₂ = (a + c) − (b + d), X₃ = conj X₁. Rows: X₀ + i·X₂, and X₁.
                        let row = column + u * c
                        let a = scale * row[0], b = scale * row[bs], cc = scale * row[2 * bs], d = scale * row[3 * bs]
                        let even = a + cc, odd = b + d
                        point[2 * u] = even + odd; point[2 * u + 1] = even - odd
                        point[2 * (n + u)] = a - cc; point[2 * (n + u) + 1] = d - b
                    }
                }
            }
            transform.forward(buffer)
            unpackSpectrum(spectrum, buffer, sample: sample, j0: j0, shape)
        }
    }

    /// Per item: the two rows per in-block channel packed from the spectrum, FFTW's inverse over the
    /// tokens, then the real part of the 4-point inverse DFT over the blocks into the output.
    static func bufferedInverseReal(
        _ output: UnsafeMutablePointer<Float>, accumulate: Bool, of spectrum: UnsafeMutablePointer<Float>, scale: Float,
        _ transform: FFT, _ buffers: UnsafeMutablePointer<Float>, _ shape: Shape
    ) {
        let n = shape.length, c = shape.channels, bs = shape.bs
        forEachBufferedItem(buffers, shape) { sample, j0, buffer in
            packSpectrum(buffer, spectrum, sample: sample, j0: j0, shape)
            transform.inverse(buffer)
            for t0 in stride(from: 0, to: n, by: tileTokens) {
                let tile = min(tileTokens, n - t0)
                for j in 0..<shape.group {
                    let column = output + (sample * n + t0) * c + j0 + j
                    let point = UnsafePointer(buffer + 2 * (j * bufferRows * n + t0))
                    for u in 0..<tile {
                        // y_b = Re Σ_k z_k·e^(2πi·kb/4): y₀ = (r₀ + r₂) + (r₁ + r₃), y₁ = (r₀ − r₂) − (i₁ − i₃),
                        // y₂ = (r₀ + r₂) − (r₁ + r₃), y₃ = (r₀ − r₂) + (i₁ − i₃); the rows hold r₀ + i·r₂
                        // and (r₁ + r₃) + i·(i₁ − i₃).
                        let r0 = point[2 * u], r2 = point[2 * u + 1], sumOdd = point[2 * (n + u)], diffOdd = point[2 * (n + u) + 1]
                        let sumEven = r0 + r2, diffEven = r0 - r2
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
}
