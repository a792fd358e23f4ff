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

    /// Buffered path: in-block channels J per item, the widest divisor of bs whose buffer (4·J rows
    /// of `length` complex numbers) fits in 2 MB, a core's L2 cache. J = bs (a whole sample per
    /// item) up to 224×224 inputs; a narrower J reads each cache line of x bs/J times.
    public static func groupWidth(length: Int, blockSize: Int) -> Int {
        var width = blockSize
        while width > 1 && (blockSize % width != 0 || 8 * blocks * width * length > 2048 * 1024) { width -= 1 }
        return width
    }

    /// Floats of the transform buffers in the workspace: for buffered lengths one per worker of
    /// 4·J·length complex numbers, each rounded up to 64 bytes, plus 64 bytes to align the first.
    public static func transformBufferCount(length: Int, channels: Int) -> Int {
        guard isBuffered(length: length) else { return 0 }
        let group = groupWidth(length: length, blockSize: channels / blocks)
        return Parallel.workers * bufferFloats(length: length, group: group) + 16
    }

    /// Floats of one buffer, 4·J·length complex numbers rounded up to 64 bytes.
    static func bufferFloats(length: Int, group: Int) -> Int {
        (2 * blocks * group * length + 15) / 16 * 16
    }

    /// The FFTW plan `forward` and `backward` need for `length` tokens and `channels` channels.
    /// In place: the 2-D DFT over (length, 4) of `chunkWidth` channels of one sample. Buffered: the
    /// DFT over `length` contiguous points of each of the buffer's 4·J rows; `groupWidth` sets J
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
            loop: [.init(count: blocks * width, stride: length)], measure: measure)
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
    /// buffered path, `buffer` (J, 4, length, 2) the worker's own. Items run sample-minor: the two
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

    /// Copies one item's spectrum entries (sample, all tokens, 4 blocks, j₀ ..< j₀ + J) into its
    /// buffer rows (j, k), or back with `intoBuffer` false, a tile of tokens at a time: each
    /// buffer row is read or written in runs of consecutive tokens while the tile's spectrum rows
    /// stay in L1.
    static func exchange(
        _ spectrum: UnsafeMutablePointer<Float>, _ buffer: UnsafeMutablePointer<Float>,
        sample: Int, j0: Int, _ shape: Shape, intoBuffer: Bool
    ) {
        let n = shape.length, c = shape.channels, bs = shape.bs
        for t0 in stride(from: 0, to: n, by: tileTokens) {
            let tile = min(tileTokens, n - t0)
            for k in 0..<blocks {
                for j in 0..<shape.group {
                    let column = spectrum + 2 * ((sample * n + t0) * c + k * bs + j0 + j)
                    let point = buffer + 2 * ((j * blocks + k) * n + t0)
                    for u in 0..<tile {
                        if intoBuffer {
                            point[2 * u] = column[2 * u * c]
                            point[2 * u + 1] = column[2 * u * c + 1]
                        } else {
                            column[2 * u * c] = point[2 * u]
                            column[2 * u * c + 1] = point[2 * u + 1]
                        }
                    }
                }
            }
        }
    }

    /// Per item: the 4-point DFT over the blocks into the buffer's rows (j, k) of `length` tokens,
    /// FFTW over the tokens, rows back to the spectrum layout.
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
            exchange(spectrum, buffer, sample: sample, j0: j0, shape, intoBuffer: false)
        }
    }

    /// Per item: rows into the buffer, FFTW's inverse over the tokens, then the real part of the
    /// 4-point inverse DFT over the blocks into the output.
    static func bufferedInverseReal(
        _ output: UnsafeMutablePointer<Float>, accumulate: Bool, of spectrum: UnsafeMutablePointer<Float>, scale: Float,
        _ transform: FFT, _ buffers: UnsafeMutablePointer<Float>, _ shape: Shape
    ) {
        let n = shape.length, c = shape.channels, bs = shape.bs
        forEachBufferedItem(buffers, shape) { sample, j0, buffer in
            exchange(spectrum, buffer, sample: sample, j0: j0, shape, intoBuffer: true)
            transform.inverse(buffer)
            for t0 in stride(from: 0, to: n, by: tileTokens) {
                let tile = min(tileTokens, n - t0)
                for j in 0..<shape.group {
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
}
