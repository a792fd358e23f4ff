// Mamba's selective scan (mamba_ssm `selective_scan_ref` with z = nil, delta already softplus'ed),
// forward and backward with per-chunk state recomputation. It does not compute delta or A, or gate by z.

import Foundation
import SimbaRuntime

/// The selective state-space scan, per batch b, channel d < dInner, state n < dState, h_{−1} = 0:
///
///     h_t[d, n] = exp(delta_t[d]·A[d, n]) · h_{t−1}[d, n] + delta_t[d] · B_t[n] · x_t[d]
///     y_t[d]    = Σ_n C_t[n] · h_t[d, n] + D[d] · x_t[d]
///
/// Glossary (code ↔ paper): `x` = x, `delta` = Δ (after softplus), `a` = A = −exp(A_log),
/// `b` = B, `c` = C, `d` = D, `dState` = N. B and C are shared by all channels; they are read as
/// column slices of the x_proj output with row stride `bcStride` (B at column dtRank, C at
/// dtRank + dState), and their gradients are written with the same stride.
///
/// Fast path: the lanes of a SIMD16 are 16 consecutive channels (contiguous in x, delta, y), so
/// the forward needs no horizontal sums; work items are (batch, 16-channel block); exp is a
/// polynomial exp2 with ≤ 1.7e-7 relative error. (SIMD16 is one AVX-512 register at the avx512
/// level, 1.3–1.4× faster there than SIMD8; the avx2 and baseline levels split it into two AVX or
/// four SSE registers.)
///
/// Memory. With P = ⌈dInner/16⌉·16, K = ⌈length/chunk⌉, the forward saves only the state at the
/// start of chunks 1…K−1: `savedStateCount` = batch·(K−1)·P·dState floats (the full state history
/// would be batch·length·dInner·dState). The backward recomputes one chunk of states at a time and
/// needs `backwardScratchCount` = S·((4·chunk + g + 1)·dState + 64)·16 + batch·P·(dState + 1)
/// + 2·(G−1)·batch·length·dState floats, where G = min(P/16, ⌈workers/batch⌉) channel groups per
/// sequence, g = ⌈P/16 / G⌉ blocks per group and S = min(workers, batch·G) worker slots.
/// Both buffers must be 64-byte aligned (a `FloatBuffer` is).
public enum SelectiveScan {
    typealias Vector = VectorMath.Vector
    static let lanes = Vector.scalarCount
    static let log2e: Float = 1.442_695_040_888_963_4
    static let ln2: Float = 0.693_147_180_559_945_3

    static func blockCount(_ dInner: Int) -> Int { (dInner + lanes - 1) / lanes }
    static func chunkCount(_ length: Int, _ chunk: Int) -> Int { (length + chunk - 1) / chunk }

    /// Floats the forward saves for the backward (chunk-boundary states).
    public static func savedStateCount(batch: Int, length: Int, dInner: Int, dState: Int, chunk: Int) -> Int {
        batch * max(chunkCount(length, chunk) - 1, 0) * blockCount(dInner) * lanes * dState
    }

    /// How the backward splits work: G channel groups per sequence, g blocks per group, S slots.
    static func backwardPlan(batch: Int, dInner: Int) -> (groups: Int, groupBlocks: Int, slots: Int) {
        let blocks = blockCount(dInner)
        let groups = min(blocks, max(1, (Parallel.workers + batch - 1) / max(batch, 1)))
        let groupBlocks = (blocks + groups - 1) / groups
        return (groups, groupBlocks, max(1, min(Parallel.workers, batch * groups)))
    }

    /// Floats of scratch the backward needs (formula in the type's doc comment).
    public static func backwardScratchCount(batch: Int, length: Int, dInner: Int, dState: Int, chunk: Int) -> Int {
        let plan = backwardPlan(batch: batch, dInner: dInner)
        let padded = blockCount(dInner) * lanes
        return plan.slots * slotCount(dState: dState, chunk: chunk, groupBlocks: plan.groupBlocks)
            + batch * padded * (dState + 1) + 2 * (plan.groups - 1) * batch * length * dState
    }

    static func slotCount(dState: Int, chunk: Int, groupBlocks: Int) -> Int {
        (4 * chunk + groupBlocks + 1) * lanes * dState + 4 * skew * lanes
    }

    /// How many time steps ahead the sweeps prefetch their rows of x and delta.
    static let prefetchRows = 4

    /// Vectors (1 KB) left between the backward's per-chunk arrays.
    static let skew = 16

    // MARK: Vector helpers

    /// 2^x for x ≤ 0 as 2^f·2^⌊x⌋ with f = x − ⌊x⌋ ∈ [0, 1) (`VectorMath.fraction` and `scale`,
    /// one instruction each with AVX-512): 2^f by a degree-5 polynomial in fused multiply-adds, a
    /// relative minimax fit on [0, 1] with p(0) = 1 exactly, so a zero step keeps the state
    /// unchanged (scripts/microbenchmarks/fit_exp2.py). Relative error ≤ 1.7e-7 in float32
    /// (≤ 1.9e-7 at the baseline level, whose multiply-adds round twice) while 2^x is a normal float
    /// (just below 0, where f is near 1, that is 1–1.4 units in the last place of 1); below 2^−126
    /// the AVX-512 level gives denormals and 0, the others 2^−126. The scan only calls it with
    /// x = delta·A·log2(e) ≤ 0.
    @_transparent static func exp2(_ x: Vector) -> Vector {
        let f = VectorMath.fraction(x)
        var p = VectorMath.fma(Vector(repeating: 1.861_012_307_927_012_4e-3), f, 9.032_246_656_715_870e-3)
        p = VectorMath.fma(p, f, 5.578_726_530_075_073e-2)
        p = VectorMath.fma(p, f, 2.401_683_628_559_112_5e-1)
        p = VectorMath.fma(p, f, 6.931_509_971_618_652e-1)
        p = VectorMath.fma(p, f, 1)
        return VectorMath.scale(p, x)
    }

    /// A[block·16 + lane, n]·log2(e) at target[block·dState + n], for every 16-channel block
    /// (padding lanes 0): the layout the lanes read, made once per call.
    static func laneMajorScaledA(
        _ target: UnsafeMutablePointer<Vector>, _ a: UnsafePointer<Float>, dInner: Int, dState: Int
    ) {
        let floats = UnsafeMutableRawPointer(target).assumingMemoryBound(to: Float.self)
        Parallel.forEach(blockCount(dInner), costPerItem: lanes * dState) { block in
            let d0 = block * lanes, count = min(lanes, dInner - d0)
            let blockFloats = floats + block * dState * lanes
            blockFloats.update(repeating: 0, count: dState * lanes)
            for i in 0..<count {
                let row = a + (d0 + i) * dState
                for n in 0..<dState { blockFloats[n * lanes + i] = row[n] * log2e }
            }
        }
    }

    // MARK: Fast forward

    /// Forward scan; writes y and, if `savedStates` is given, the chunk-boundary states the
    /// backward needs (`savedStateCount` floats, layout private to this kernel).
    public static func forward(
        y: UnsafeMutablePointer<Float>,  // (batch, length, dInner)
        savedStates: UnsafeMutablePointer<Float>?,  // (savedStateCount), overwritten; nil: inference
        x: UnsafePointer<Float>,  // (batch, length, dInner)
        delta: UnsafePointer<Float>,  // (batch, length, dInner), already softplus'ed
        a: UnsafePointer<Float>,  // (dInner, dState), A = −exp(A_log)
        b: UnsafePointer<Float>,  // (batch·length) rows of stride bcStride, dState used
        c: UnsafePointer<Float>,  // (batch·length) rows of stride bcStride, dState used
        d: UnsafePointer<Float>,  // (dInner)
        bcStride: Int,
        batch: Int, length: Int, dInner: Int, dState: Int, chunk: Int
    ) {
        precondition(batch >= 0 && length >= 0 && dInner > 0 && dState > 0 && chunk > 0, "SelectiveScan sizes")
        precondition(bcStride >= dState, "SelectiveScan: bcStride \(bcStride) < dState \(dState)")
        let blocks = blockCount(dInner), chunks = chunkCount(length, chunk)
        let blockFloats = lanes * dState
        withUnsafeTemporaryAllocation(of: Vector.self, capacity: blocks * dState) { allScaledA in
            laneMajorScaledA(allScaledA.baseAddress!, a, dInner: dInner, dState: dState)
            Parallel.forEach(batch * blocks, costPerItem: length * dState * lanes) { item in
                let bi = item / blocks, block = item % blocks
                let d0 = block * lanes, count = min(lanes, dInner - d0)
                let scaledA = UnsafePointer(allScaledA.baseAddress! + block * dState)
                withUnsafeTemporaryAllocation(of: Vector.self, capacity: dState) { state in
                    let h = state.baseAddress!
                    h.update(repeating: .zero, count: dState)
                    let skip = VectorMath.load(d + d0, count)
                    for t in 0..<length {
                        if t > 0 && t % chunk == 0, let savedStates {
                            let slot =
                                savedStates + ((bi * (chunks - 1) + t / chunk - 1) * blocks + block) * blockFloats
                            UnsafeMutableRawPointer(slot).copyMemory(from: h, byteCount: blockFloats * 4)
                        }
                        let row = (bi * length + t) * dInner + d0
                        // Rows are dInner floats apart, a stride the hardware prefetcher misses.
                        VectorMath.prefetch(delta + row + prefetchRows * dInner)
                        VectorMath.prefetch(x + row + prefetchRows * dInner)
                        let dt = VectorMath.load(delta + row, count), xt = VectorMath.load(x + row, count)
                        let dtx = dt * xt
                        let bt = b + (bi * length + t) * bcStride, ct = c + (bi * length + t) * bcStride
                        for n in stride(from: 0, to: dState, by: lanes) {
                            VectorMath.prefetch(bt + prefetchRows * bcStride + n)
                            VectorMath.prefetch(ct + prefetchRows * bcStride + n)
                        }
                        var out = skip * xt
                        for n in 0..<dState {
                            let hn = VectorMath.fma(exp2(dt * scaledA[n]), h[n], dtx * bt[n])
                            h[n] = hn
                            out = VectorMath.fma(hn, ct[n], out)
                        }
                        VectorMath.store(out, y + row, count)
                    }
                }
            }
        }
    }

    // MARK: Fast backward

    /// Backward scan from the states `forward` saved (same inputs, same `chunk`). Accumulates
    /// (`+=`) into dX, dDelta, dA, dB, dC, dD; dB and dC use row stride `bcStride` like B and C.
    ///
    /// Reverse scan with G_t = exp(delta_{t+1}·A)·dh_{t+1}: dh_t = C_t·dy_t + G_t, and
    /// dDelta_t = Σ_n dh_t·(A·e_t·h_{t−1} + B_t·x_t), dA += dh_t·delta_t·e_t·h_{t−1},
    /// dB_t = Σ_d dh_t·delta_t·x_t, dC_t = Σ_d dy_t·h_t, dx_t = D·dy_t + delta_t·Σ_n dh_t·B_t.
    public static func backward(
        dX: UnsafeMutablePointer<Float>,  // (batch, length, dInner), +=
        dDelta: UnsafeMutablePointer<Float>,  // (batch, length, dInner), +=
        dA: UnsafeMutablePointer<Float>,  // (dInner, dState), +=
        dB: UnsafeMutablePointer<Float>,  // (batch·length) rows of stride bcStride, +=
        dC: UnsafeMutablePointer<Float>,  // (batch·length) rows of stride bcStride, +=
        dD: UnsafeMutablePointer<Float>,  // (dInner), +=
        scratch: UnsafeMutablePointer<Float>,  // (backwardScratchCount)
        dY: UnsafePointer<Float>,  // (batch, length, dInner)
        savedStates: UnsafePointer<Float>,  // (savedStateCount), from forward
        x: UnsafePointer<Float>,  // (batch, length, dInner)
        delta: UnsafePointer<Float>,  // (batch, length, dInner)
        a: UnsafePointer<Float>,  // (dInner, dState)
        b: UnsafePointer<Float>,  // (batch·length) rows of stride bcStride
        c: UnsafePointer<Float>,  // (batch·length) rows of stride bcStride
        d: UnsafePointer<Float>,  // (dInner)
        bcStride: Int,
        batch: Int, length: Int, dInner: Int, dState: Int, chunk: Int
    ) {
        precondition(batch >= 0 && length >= 0 && dInner > 0 && dState > 0 && chunk > 0, "SelectiveScan sizes")
        precondition(bcStride >= dState, "SelectiveScan: bcStride \(bcStride) < dState \(dState)")
        precondition(
            Int(bitPattern: scratch) % 64 == 0 && Int(bitPattern: savedStates) % 64 == 0,
            "SelectiveScan: scratch and savedStates must be 64-byte aligned (use FloatBuffer)")
        if batch == 0 || length == 0 { return }
        let blocks = blockCount(dInner), chunks = chunkCount(length, chunk), padded = blocks * lanes
        let blockFloats = lanes * dState
        let plan = backwardPlan(batch: batch, dInner: dInner)
        let slotFloats = slotCount(dState: dState, chunk: chunk, groupBlocks: plan.groupBlocks)
        // Scratch: worker slots (h, e = exp(delta·A), dB and dC lane sums of one chunk; dh carries;
        // zeros) | dA partials (batch, P, N) | dD partials (batch, P) | dB, dC partials.
        let partialA = scratch + plan.slots * slotFloats
        let partialD = partialA + batch * padded * dState
        let partialB = partialD + batch * padded
        let partialC = partialB + (plan.groups - 1) * batch * length * dState
        let items = batch * plan.groups
        withUnsafeTemporaryAllocation(of: Vector.self, capacity: blocks * dState) { allScaledA in
            laneMajorScaledA(allScaledA.baseAddress!, a, dInner: dInner, dState: dState)
            Parallel.forEachClaimed(items, slots: plan.slots, costPerItem: length * dInner * dState / plan.groups) {
                slot, item in
                let base = scratch + slot * slotFloats
                // The four chunk arrays start 1 KB apart modulo 4 KB: at equal offsets, the
                // sweep's loads would falsely wait on its stores (4K aliasing; 4% of a backward).
                let hChunk = UnsafeMutableRawPointer(base).assumingMemoryBound(to: Vector.self)
                let eChunk = hChunk + chunk * dState + skew, sumB = eChunk + chunk * dState + skew
                let sumC = sumB + chunk * dState + skew
                let carry = sumC + chunk * dState + skew
                let zeros = carry + plan.groupBlocks * dState
                zeros.update(repeating: .zero, count: dState)
                let bi = item / plan.groups, group = item % plan.groups
                let firstBlock = group * plan.groupBlocks
                let lastBlock = min(firstBlock + plan.groupBlocks, blocks)
                let itemA = UnsafeMutableRawPointer(partialA + (bi * padded + firstBlock * lanes) * dState)
                    .assumingMemoryBound(to: Vector.self)
                let itemD = UnsafeMutableRawPointer(partialD + bi * padded + firstBlock * lanes)
                    .assumingMemoryBound(to: Vector.self)
                itemA.update(repeating: .zero, count: (lastBlock - firstBlock) * dState)
                itemD.update(repeating: .zero, count: lastBlock - firstBlock)
                carry.update(repeating: .zero, count: (lastBlock - firstBlock) * dState)
                for chunkIndex in (0..<chunks).reversed() {
                    let t0 = chunkIndex * chunk, t1 = min(t0 + chunk, length)
                    sumB.update(repeating: .zero, count: (t1 - t0) * dState)
                    sumC.update(repeating: .zero, count: (t1 - t0) * dState)
                    for block in firstBlock..<lastBlock {
                        let d0 = block * lanes, count = min(lanes, dInner - d0)
                        let scaledA = UnsafePointer(allScaledA.baseAddress! + block * dState)
                        let start: UnsafePointer<Vector> =
                            chunkIndex == 0
                            ? UnsafePointer(zeros)
                            : UnsafeRawPointer(
                                savedStates + ((bi * (chunks - 1) + chunkIndex - 1) * blocks + block) * blockFloats
                            ).assumingMemoryBound(to: Vector.self)
                        // Recompute h_t for the chunk.
                        var previous = start
                        for t in t0..<t1 {
                            let row = (bi * length + t) * dInner + d0
                            VectorMath.prefetch(delta + row + prefetchRows * dInner)
                            VectorMath.prefetch(x + row + prefetchRows * dInner)
                            let dt = VectorMath.load(delta + row, count), dtx = dt * VectorMath.load(x + row, count)
                            let bt = b + (bi * length + t) * bcStride
                            let h = hChunk + (t - t0) * dState, e = eChunk + (t - t0) * dState
                            for n in 0..<dState {
                                e[n] = exp2(dt * scaledA[n])
                                h[n] = VectorMath.fma(e[n], previous[n], dtx * bt[n])
                            }
                            previous = UnsafePointer(h)
                        }
                        // Reverse sweep.
                        let g = carry + (block - firstBlock) * dState
                        let blockA = itemA + (block - firstBlock) * dState
                        let skip = VectorMath.load(d + d0, count)
                        var sumDY = Vector.zero
                        for t in (t0..<t1).reversed() {
                            let row = (bi * length + t) * dInner + d0
                            let ahead = row - prefetchRows * dInner
                            VectorMath.prefetch(dY + ahead)
                            VectorMath.prefetch(dDelta + ahead)
                            VectorMath.prefetch(dX + ahead)
                            let dt = VectorMath.load(delta + row, count), xt = VectorMath.load(x + row, count)
                            let dy = VectorMath.load(dY + row, count)
                            let dtx = dt * xt
                            let bt = b + (bi * length + t) * bcStride, ct = c + (bi * length + t) * bcStride
                            let h = hChunk + (t - t0) * dState, decay = eChunk + (t - t0) * dState
                            let hPrevious = t == t0 ? start : UnsafePointer(h - dState)
                            let rowB = sumB + (t - t0) * dState, rowC = sumC + (t - t0) * dState
                            var sumQA = Vector.zero, sumDhB = Vector.zero
                            for n in 0..<dState {
                                let dh = VectorMath.fma(dy, ct[n], g[n])
                                let e = decay[n]
                                let q = dh * e * hPrevious[n]
                                sumQA = VectorMath.fma(q, scaledA[n], sumQA)
                                blockA[n] = VectorMath.fma(q, dt, blockA[n])
                                sumDhB = VectorMath.fma(dh, bt[n], sumDhB)
                                rowB[n] = VectorMath.fma(dh, dtx, rowB[n])
                                rowC[n] = VectorMath.fma(dy, h[n], rowC[n])
                                g[n] = e * dh
                            }
                            sumDY += dy * xt
                            let dDeltaRow = VectorMath.load(dDelta + row, count) + sumQA * ln2 + xt * sumDhB
                            VectorMath.store(dDeltaRow, dDelta + row, count)
                            VectorMath.store(
                                VectorMath.load(dX + row, count) + skip * dy + dt * sumDhB, dX + row, count)
                        }
                        itemD[block - firstBlock] += sumDY
                    }
                    // Channel sums of dB, dC for this chunk: group 0 adds into the caller's
                    // arrays, other groups write their own partials.
                    for t in t0..<t1 {
                        let rowB = sumB + (t - t0) * dState, rowC = sumC + (t - t0) * dState
                        if group == 0 {
                            let tb = dB + (bi * length + t) * bcStride, tc = dC + (bi * length + t) * bcStride
                            for n in 0..<dState {
                                tb[n] += VectorMath.laneSum(rowB[n]); tc[n] += VectorMath.laneSum(rowC[n])
                            }
                        } else {
                            let offset = (((group - 1) * batch + bi) * length + t) * dState
                            for n in 0..<dState {
                                partialB[offset + n] = VectorMath.laneSum(rowB[n])
                                partialC[offset + n] = VectorMath.laneSum(rowC[n])
                            }
                        }
                    }
                }
            }
        }
        // Reduce the partials: dA, dD over the batch; dB, dC over channel groups.
        Parallel.forEach(dInner, costPerItem: batch * dState) { channel in
            let block = channel / lanes, lane = channel % lanes
            for bi in 0..<batch {
                let source = partialA + (bi * padded + block * lanes) * dState
                for n in 0..<dState { dA[channel * dState + n] += source[n * lanes + lane] }
                dD[channel] += partialD[bi * padded + channel]
            }
        }
        if plan.groups > 1 {
            Parallel.forEach(batch * length, costPerItem: plan.groups * dState) { rowIndex in
                let tb = dB + rowIndex * bcStride, tc = dC + rowIndex * bcStride
                for group in 1..<plan.groups {
                    let offset = ((group - 1) * batch * length + rowIndex) * dState
                    for n in 0..<dState { tb[n] += partialB[offset + n]; tc[n] += partialC[offset + n] }
                }
            }
        }
    }
}
