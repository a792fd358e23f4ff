// EinFFT's orthonormal 2-D DFT over (tokens, 4 channel blocks) of a real input and the real part of its
// inverse, as two complex token sequences per channel through FFTW, in place or buffered. No layer maths.

import Foundation
import SimbaRuntime

extension EinFFT {
    /// Sequences of at least this many tokens are transformed through buffers. FFTW's estimated
    /// plan for the in-place DFT vectorises across the contiguous channels, which wins for few
    /// tokens; for many it loops over the channels, each a transform of tokens C complex apart
    /// (measured with the 2-D DFT of all four blocks, before the two-sequence transforms: per
    /// sample at 3136 tokens, C = 64: 1.9 ms in place, 1.0 ms through a buffer, copies included;
    /// at 256 tokens 0.14 against 0.05 ms; at 64 tokens, C = 128: 0.012 against 0.017 ms;
    /// scripts/microbenchmarks/fft_layouts.c). Checked again with the two-sequence transforms: train-einfft-64 with
    /// its 256-token stage in place spent 0.195–0.204 of sgemm's perf samples in EinFFT and FFTW,
    /// buffered 0.140–0.159.
    public static let bufferedMinimumLength = 128

    static func isBuffered(length: Int) -> Bool { length >= bufferedMinimumLength }

    /// Complex token sequences FFTW transforms per in-block channel. After the DFT over the blocks,
    /// blocks 0 and 2 are real and block 3 is the conjugate of block 1, so P = x₀ + i·x₂ and Q = x₁
    /// carry all four (`blockDFT`, `evenBlocks`; `inverseSequences` and `realOutput` for the inverse): FFTW
    /// transforms half the sequences the blocks have.
    static let sequencesPerChannel = 2

    /// In-place path: complex columns per FFTW call, the widest divisor of 2·bs (blocks 0 and 1,
    /// where P and Q sit) that is at most 32, so a batch splits into a few independent DFT loops
    /// that run in parallel, each touching whole cache lines.
    static func chunkWidth(columns: Int) -> Int {
        var parts = 1
        while columns / parts > 32 || columns % parts != 0 { parts += 1 }
        return columns / parts
    }

    /// Buffered path: in-block channels J per item, the widest divisor of bs whose buffer (2·J rows
    /// of `length` complex numbers) fits in 2 MB, a core's L2 cache. J = bs (a whole sample per
    /// item) up to 224×224 inputs; a narrower J reads each cache line of x bs/J times.
    public static func groupWidth(length: Int, blockSize: Int) -> Int {
        var width = blockSize
        while width > 1 && (blockSize % width != 0 || 4 * bufferFloats(length: length, group: width) > 2048 * 1024) {
            width -= 1
        }
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
        (2 * sequencesPerChannel * group * length + 15) / 16 * 16
    }

    /// The FFTW plan `forward` and `backward` need for `length` tokens and `channels` channels: the
    /// DFT over the tokens of P and Q (`sequencesPerChannel`). In place: of `chunkWidth` complex
    /// columns of blocks 0 and 1 of one sample, the tokens C complex apart. Buffered: of the
    /// buffer's 2·J rows of `length` contiguous points; `groupWidth` sets J (a divisor of bs, at
    /// most the default `groupWidth(length:blockSize:)`; buffered lengths only).
    public static func makeTransform(length: Int, channels: Int, groupWidth: Int? = nil, measure: Bool = false) -> FFT {
        precondition(
            channels > 0 && channels % blocks == 0, "EinFFT channels \(channels) must be a positive multiple of 4")
        let bs = channels / blocks
        guard isBuffered(length: length) else {
            precondition(groupWidth == nil, "EinFFT group width applies from \(bufferedMinimumLength) tokens")
            return FFT(
                transform: [.init(count: length, stride: channels)],
                loop: [.init(count: chunkWidth(columns: sequencesPerChannel * bs), stride: 1)], measure: measure)
        }
        let widest = Self.groupWidth(length: length, blockSize: bs), width = groupWidth ?? widest
        precondition(
            width > 0 && width <= widest && bs % width == 0,
            "EinFFT group width \(width) must divide bs and be at most \(widest)")
        return FFT(
            transform: [.init(count: length, stride: 1)],
            loop: [.init(count: sequencesPerChannel * width, stride: length)], measure: measure)
    }

    // MARK: The two sequences

    /// A pair (re, im) of one channel's value (Float) or of eight channels' (SIMD8<Float>).
    typealias Pair<L> = (re: L, im: L)

    /// The DFT over the blocks of one token's values a, b, c, d (blocks 0…3, already scaled) as the
    /// two sequences' entries: X_k = Σ_b x_b·e^(−2πi·kb/4) gives X₀ = (a + c) + (b + d), X₁ = (a − c)
    /// − i(b − d), X₂ = (a + c) − (b + d), X₃ = conj X₁; P = X₀ + i·X₂, Q = X₁.
    @inline(__always)
    static func blockDFT<L: TransformLanes>(_ a: L, _ b: L, _ c: L, _ d: L) -> (p: Pair<L>, q: Pair<L>) {
        let even = a + c, odd = b + d
        return ((even + odd, even - odd), (a - c, d - b))
    }

    /// Blocks 0 and 2 of the spectrum at token m from P transformed over the tokens at m and −m
    /// (mod length): S₀[m] = (P[m] + conj P[−m])/2, S₂[m] = (P[m] − conj P[−m])/(2i). At −m they are
    /// the conjugates (real sequences have Hermitian spectra); blocks 1 and 3 are S₁[m] = Q[m] and
    /// S₃[m] = conj Q[−m].
    @inline(__always)
    static func evenBlocks<L: TransformLanes>(p: Pair<L>, pMirror: Pair<L>) -> (s0: Pair<L>, s2: Pair<L>) {
        ((0.5 * (p.re + pMirror.re), 0.5 * (p.im - pMirror.im)), (0.5 * (p.im + pMirror.im), 0.5 * (pMirror.re - p.re)))
    }

    /// The inverse's P and Q at tokens m and −m from the spectrum blocks Z₀…Z₃ at both, such that
    /// their inverse DFTs over the tokens give what the real output needs (z_k = IDFT Z_k):
    ///     P[m] = H₀[m] + i·H₂[m], H_k[m] = (Z_k[m] + conj Z_k[−m])/2:  IDFT(P) = Re z₀ + i·Re z₂,
    ///     Q[m] = Z₁[m] + conj Z₃[−m]:  IDFT(Q) = z₁ + conj z₃ = (Re z₁ + Re z₃) + i·(Im z₁ − Im z₃),
    /// and P[−m] = conj H₀[m] + i·conj H₂[m], Q[−m] = Z₁[−m] + conj Z₃[m].
    @inline(__always)
    static func inverseSequences<L: TransformLanes>(
        _ z: (Pair<L>, Pair<L>, Pair<L>, Pair<L>), mirror zm: (Pair<L>, Pair<L>, Pair<L>, Pair<L>)
    ) -> (p: Pair<L>, pMirror: Pair<L>, q: Pair<L>, qMirror: Pair<L>) {
        let h0: Pair<L> = (0.5 * (z.0.re + zm.0.re), 0.5 * (z.0.im - zm.0.im))
        let h2: Pair<L> = (0.5 * (z.2.re + zm.2.re), 0.5 * (z.2.im - zm.2.im))
        return (
            (h0.re - h2.im, h0.im + h2.re), (h0.re + h2.im, h2.re - h0.im),
            (z.1.re + zm.3.re, z.1.im - zm.3.im), (zm.1.re + z.3.re, zm.1.im - z.3.im)
        )
    }

    /// One token's four real outputs y_b = Re Σ_k z_k·e^(2πi·kb/4), unscaled, from the inverse-
    /// transformed P = r₀ + i·r₂ and Q = (r₁ + r₃) + i·(i₁ − i₃): y₀ = (r₀ + r₂) + (r₁ + r₃),
    /// y₁ = (r₀ − r₂) − (i₁ − i₃), y₂ = (r₀ + r₂) − (r₁ + r₃), y₃ = (r₀ − r₂) + (i₁ − i₃).
    @inline(__always)
    static func realOutput<L: TransformLanes>(p: Pair<L>, q: Pair<L>) -> (L, L, L, L) {
        let sumEven = p.re + p.im, diffEven = p.re - p.im
        return (sumEven + q.re, diffEven - q.im, sumEven - q.re, diffEven + q.im)
    }

    // MARK: Both directions

    /// spectrum = ortho fft2 over (tokens, blocks) of the real x (batch, length, C), the input
    /// multiplied by `scale`, in the spectrum layout (batch, length, 4, bs, 2).
    static func transformForward(
        _ spectrum: UnsafeMutablePointer<Float>, of x: UnsafePointer<Float>, scale: Float,
        _ transform: FFT, _ buffers: UnsafeMutablePointer<Float>, _ shape: Shape
    ) {
        if shape.buffered {
            bufferedForward(spectrum, of: x, scale: scale, transform, buffers, shape)
        } else {
            inPlaceForward(spectrum, of: x, scale: scale, transform, shape)
        }
    }

    /// output = (or += with `accumulate`) scale·Re(ifft2(Z)) over (tokens, blocks) for a spectrum Z
    /// (batch, length, 4, bs, 2), which the in-place path overwrites.
    static func transformInverseReal(
        _ output: UnsafeMutablePointer<Float>, accumulate: Bool, of spectrum: UnsafeMutablePointer<Float>, scale: Float,
        _ transform: FFT, _ buffers: UnsafeMutablePointer<Float>, _ shape: Shape
    ) {
        if shape.buffered {
            bufferedInverseReal(output, accumulate: accumulate, of: spectrum, scale: scale, transform, buffers, shape)
        } else {
            inPlaceInverseReal(output, accumulate: accumulate, of: spectrum, scale: scale, transform, shape)
        }
    }

    // MARK: In-place path

    /// Eight consecutive channels of a block at a time, the in-place path's step: real values or
    /// complex numbers split into real and imaginary lanes. The last group of a block may hold fewer
    /// (`count`): it loads zeros past them and stores only them.
    struct LaneGroup {
        let count: Int

        @inline(__always) func load(_ p: UnsafePointer<Float>) -> SIMD8<Float> {
            if count == 8 { return UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self) }
            var v = SIMD8<Float>()
            for i in 0..<count { v[i] = p[i] }
            return v
        }

        @inline(__always) func store(_ v: SIMD8<Float>, _ p: UnsafeMutablePointer<Float>) {
            if count == 8 { UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD8<Float>.self); return }
            for i in 0..<count { p[i] = v[i] }
        }

        /// `count` interleaved complex numbers at p.
        @inline(__always) func loadComplex(_ p: UnsafePointer<Float>) -> Pair<SIMD8<Float>> {
            var pairs = SIMD16<Float>()
            if count == 8 {
                pairs = UnsafeRawPointer(p).loadUnaligned(as: SIMD16<Float>.self)
            } else {
                for i in 0..<2 * count { pairs[i] = p[i] }
            }
            return (pairs.evenHalf, pairs.oddHalf)
        }

        @inline(__always) func store(_ v: Pair<SIMD8<Float>>, _ p: UnsafeMutablePointer<Float>) {
            let pairs = interleaved(v.re, v.im)
            if count == 8 { UnsafeMutableRawPointer(p).storeBytes(of: pairs, as: SIMD16<Float>.self); return }
            for i in 0..<2 * count { p[i] = pairs[i] }
        }
    }

    /// Calls `body(j, lanes)` for the channels j ..< j + lanes.count of a block of `bs`, eight at a time.
    @inline(__always)
    static func forEachLaneGroup(_ bs: Int, _ body: (_ j: Int, _ lanes: LaneGroup) -> Void) {
        for j in stride(from: 0, to: bs, by: 8) { body(j, LaneGroup(count: min(8, bs - j))) }
    }

    /// P and Q of each token in blocks 0 and 1 of its spectrum row, transformed in place over the
    /// tokens, then unpacked into the four blocks (`evenBlocks`), eight channels per step.
    static func inPlaceForward(
        _ spectrum: UnsafeMutablePointer<Float>, of x: UnsafePointer<Float>, scale: Float, _ transform: FFT,
        _ shape: Shape
    ) {
        let (c, bs, n) = (shape.channels, shape.bs, shape.length)
        Parallel.forEachRange(shape.rows, costPerItem: 2 * c) { range in
            for r in range {
                let source = x + r * c, row = spectrum + r * 2 * c
                forEachLaneGroup(bs) { j, lanes in
                    let (p, q) = blockDFT(
                        scale * lanes.load(source + j), scale * lanes.load(source + bs + j),
                        scale * lanes.load(source + 2 * bs + j), scale * lanes.load(source + 3 * bs + j))
                    lanes.store(p, row + 2 * j)
                    lanes.store(q, row + 2 * (bs + j))
                }
            }
        }
        transformInPlace(spectrum, transform, shape, inverse: false)
        Parallel.forEach(shape.batch, costPerItem: n * 4 * c) { sample in
            for m in 0...(n / 2) {
                let mirror = (n - m) % n
                let row = spectrum + 2 * (sample * n + m) * c, mirrorRow = spectrum + 2 * (sample * n + mirror) * c
                forEachLaneGroup(bs) { j, lanes in
                    let p = lanes.loadComplex(row + 2 * j), pMirror = lanes.loadComplex(mirrorRow + 2 * j)
                    let q = lanes.loadComplex(row + 2 * (bs + j)), qMirror = lanes.loadComplex(mirrorRow + 2 * (bs + j))
                    let (s0, s2) = evenBlocks(p: p, pMirror: pMirror)
                    lanes.store(s0, row + 2 * j)
                    lanes.store(s2, row + 2 * (2 * bs + j))
                    lanes.store((qMirror.re, -qMirror.im), row + 2 * (3 * bs + j))
                    if mirror != m {
                        lanes.store((s0.re, -s0.im), mirrorRow + 2 * j)
                        lanes.store((s2.re, -s2.im), mirrorRow + 2 * (2 * bs + j))
                        lanes.store((q.re, -q.im), mirrorRow + 2 * (3 * bs + j))
                    }
                }
            }
        }
    }

    /// P and Q packed into blocks 0 and 1 of each token pair's rows (`inverseSequences`), inverse-
    /// transformed in place over the tokens, then combined into the four blocks' real outputs.
    static func inPlaceInverseReal(
        _ output: UnsafeMutablePointer<Float>, accumulate: Bool, of spectrum: UnsafeMutablePointer<Float>, scale: Float,
        _ transform: FFT, _ shape: Shape
    ) {
        let (c, bs, n) = (shape.channels, shape.bs, shape.length)
        Parallel.forEach(shape.batch, costPerItem: n * 4 * c) { sample in
            for m in 0...(n / 2) {
                let mirror = (n - m) % n
                let row = spectrum + 2 * (sample * n + m) * c, mirrorRow = spectrum + 2 * (sample * n + mirror) * c
                forEachLaneGroup(bs) { j, lanes in
                    let z = (
                        lanes.loadComplex(row + 2 * j), lanes.loadComplex(row + 2 * (bs + j)),
                        lanes.loadComplex(row + 2 * (2 * bs + j)), lanes.loadComplex(row + 2 * (3 * bs + j))
                    )
                    let zm = (
                        lanes.loadComplex(mirrorRow + 2 * j), lanes.loadComplex(mirrorRow + 2 * (bs + j)),
                        lanes.loadComplex(mirrorRow + 2 * (2 * bs + j)), lanes.loadComplex(mirrorRow + 2 * (3 * bs + j))
                    )
                    let (p, pMirror, q, qMirror) = inverseSequences(z, mirror: zm)
                    lanes.store(p, row + 2 * j)
                    lanes.store(q, row + 2 * (bs + j))
                    if mirror != m {
                        lanes.store(pMirror, mirrorRow + 2 * j)
                        lanes.store(qMirror, mirrorRow + 2 * (bs + j))
                    }
                }
            }
        }
        transformInPlace(spectrum, transform, shape, inverse: true)
        Parallel.forEachRange(shape.rows, costPerItem: c) { range in
            for r in range {
                let row = spectrum + r * 2 * c, target = output + r * c
                forEachLaneGroup(bs) { j, lanes in
                    let y = realOutput(p: lanes.loadComplex(row + 2 * j), q: lanes.loadComplex(row + 2 * (bs + j)))
                    func write(_ value: SIMD8<Float>, _ out: UnsafeMutablePointer<Float>) {
                        lanes.store(accumulate ? lanes.load(out) + scale * value : scale * value, out)
                    }
                    write(y.0, target + j); write(y.1, target + bs + j); write(y.2, target + 2 * bs + j);
                    write(y.3, target + 3 * bs + j)
                }
            }
        }
    }

    /// In-place DFT over the tokens of blocks 0 and 1 (P and Q) of every sample and column chunk,
    /// in parallel.
    static func transformInPlace(_ data: UnsafeMutablePointer<Float>, _ transform: FFT, _ shape: Shape, inverse: Bool) {
        let chunks = sequencesPerChannel * shape.bs / shape.chunk, sampleCount = shape.length * 2 * shape.channels
        Parallel.forEach(shape.batch * chunks, costPerItem: sampleCount * 2) { item in
            let start = data + (item / chunks) * sampleCount + (item % chunks) * 2 * shape.chunk
            if inverse { transform.inverse(start) } else { transform.forward(start) }
        }
    }

    // MARK: Buffered path

    /// Tokens per tile of the gather and scatter loops.
    static let tileTokens = 32

    /// Runs `body(sample, j0, buffer)` for every item (sample, J in-block channels j₀…) of the
    /// buffered path, `buffer` (J, 2, length, 2) the worker's own: P and Q of each channel. Items
    /// run sample-minor: the two workers take different samples, never neighbouring channel groups
    /// of one sample, whose spectrum rows share cache lines.
    static func forEachBufferedItem(
        _ buffers: UnsafeMutablePointer<Float>, _ shape: Shape,
        _ body: (_ sample: Int, _ j0: Int, _ buffer: UnsafeMutablePointer<Float>) -> Void
    ) {
        let groups = shape.bs / shape.group
        Parallel.forEachClaimed(
            shape.batch * groups, slots: Parallel.workers, costPerItem: 16 * shape.length * shape.group
        ) { slot, item in
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

    /// The complex number at p.
    @inline(__always)
    static func complex(_ p: UnsafePointer<Float>) -> Pair<Float> { (p[0], p[1]) }

    /// Stores v at p.
    @inline(__always)
    static func put(_ v: Pair<Float>, _ p: UnsafeMutablePointer<Float>) {
        p[0] = v.re
        p[1] = v.im
    }

    /// Per item: the DFT over the blocks into the buffer's P and Q rows, FFTW over the tokens, then
    /// the four blocks' spectra unpacked from the rows (`evenBlocks`).
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
                    let point = buffer + 2 * (j * sequencesPerChannel * n + t0)
                    for u in 0..<tile {
                        let row = column + u * c
                        let (p, q) = blockDFT(scale * row[0], scale * row[bs], scale * row[2 * bs], scale * row[3 * bs])
                        put(p, point + 2 * u)
                        put(q, point + 2 * (n + u))
                    }
                }
            }
            transform.forward(buffer)
            let base = spectrum + 2 * (sample * n * c + j0)
            forEachMirrorPair(length: n, group: shape.group) { j, m, mirror in
                let p = buffer + 2 * (j * sequencesPerChannel * n), q = p + 2 * n
                let (s0, s2) = evenBlocks(p: complex(p + 2 * m), pMirror: complex(p + 2 * mirror))
                let qm = complex(q + 2 * m), qMirror = complex(q + 2 * mirror)
                let row = base + 2 * (m * c + j), mirrorRow = base + 2 * (mirror * c + j)
                put(s0, row); put(qm, row + 2 * bs); put(s2, row + 4 * bs); put((qMirror.re, -qMirror.im), row + 6 * bs)
                if mirror != m {
                    put((s0.re, -s0.im), mirrorRow); put(qMirror, mirrorRow + 2 * bs)
                    put((s2.re, -s2.im), mirrorRow + 4 * bs); put((qm.re, -qm.im), mirrorRow + 6 * bs)
                }
            }
        }
    }

    /// Per item: P and Q packed from the spectrum into the buffer's rows (`inverseSequences`),
    /// FFTW's inverse over the tokens, then the four blocks' real outputs.
    static func bufferedInverseReal(
        _ output: UnsafeMutablePointer<Float>, accumulate: Bool, of spectrum: UnsafeMutablePointer<Float>, scale: Float,
        _ transform: FFT, _ buffers: UnsafeMutablePointer<Float>, _ shape: Shape
    ) {
        let n = shape.length, c = shape.channels, bs = shape.bs
        forEachBufferedItem(buffers, shape) { sample, j0, buffer in
            let base = UnsafePointer(spectrum + 2 * (sample * n * c + j0))
            forEachMirrorPair(length: n, group: shape.group) { j, m, mirror in
                let p = buffer + 2 * (j * sequencesPerChannel * n), q = p + 2 * n
                let row = base + 2 * (m * c + j), mirrorRow = base + 2 * (mirror * c + j)
                let z = (complex(row), complex(row + 2 * bs), complex(row + 4 * bs), complex(row + 6 * bs))
                let zm = (
                    complex(mirrorRow), complex(mirrorRow + 2 * bs), complex(mirrorRow + 4 * bs),
                    complex(mirrorRow + 6 * bs)
                )
                let sequences = inverseSequences(z, mirror: zm)
                put(sequences.p, p + 2 * m)
                put(sequences.q, q + 2 * m)
                put(sequences.pMirror, p + 2 * mirror)
                put(sequences.qMirror, q + 2 * mirror)
            }
            transform.inverse(buffer)
            for t0 in stride(from: 0, to: n, by: tileTokens) {
                let tile = min(tileTokens, n - t0)
                for j in 0..<shape.group {
                    let column = output + (sample * n + t0) * c + j0 + j
                    let point = UnsafePointer(buffer + 2 * (j * sequencesPerChannel * n + t0))
                    for u in 0..<tile {
                        let y = realOutput(p: complex(point + 2 * u), q: complex(point + 2 * (n + u)))
                        let row = column + u * c
                        if accumulate {
                            row[0] += scale * y.0; row[bs] += scale * y.1; row[2 * bs] += scale * y.2;
                            row[3 * bs] += scale * y.3
                        } else {
                            row[0] = scale * y.0; row[bs] = scale * y.1; row[2 * bs] = scale * y.2;
                            row[3 * bs] = scale * y.3
                        }
                    }
                }
            }
        }
    }
}

/// The arithmetic EinFFT's transform formulas use, so one formula serves one channel (Float) and
/// eight (SIMD8<Float>).
protocol TransformLanes {
    static func + (a: Self, b: Self) -> Self
    static func - (a: Self, b: Self) -> Self
    static func * (a: Float, b: Self) -> Self
}

extension Float: TransformLanes {}
extension SIMD8: TransformLanes where Scalar == Float {}
