// The Mamba block of mamba_ssm (`Mamba`, reference path without inference cache), forward and
// backward as a flat list of kernel calls. No residual, norm or DropPath: those belong to the block.

import Foundation
import SimbaCore

/// `mamba_ssm.modules.mamba_simple.Mamba(d_model, d_state, d_conv, expand)` on (batch, length, dModel).
///
/// Glossary (code ↔ paper/PyTorch): b = batch, l = length, `dInner` = expand·d_model = E·D,
/// n < `dState` = N, `delta` = Δ = softplus(dt_proj(dt_low)), A = −exp(A_log), B, C = x_proj
/// columns, D = skip. Forward (shapes per row of the b·l rows):
///
///     x, z   = in_proj(u)                       (dModel) → (dInner), (dInner)
///     x      = silu(causal_conv1d(x))           (dInner)
///     dtLow, B, C = split(x_proj(x))            (dtRank), (dState), (dState)
///     delta  = softplus(dt_proj(dtLow))         (dInner)
///     y      = selective_scan(x, delta, A, B, C, D)
///     out    = out_proj(y ⊙ silu(z))            (dModel)
///
/// in_proj runs as two GEMMs on the two row-halves of its weight, so x and z are contiguous without
/// a copy; dtLow, B and C are read in place inside the x_proj output (row stride dtRank + 2·dState).
///
/// Parameters in state_dict order (mamba_simple.py `__init__`), with Mamba's own init:
/// `in_proj.weight` (2·dInner, dModel) U(±1/√dModel); `conv1d.weight` (dInner, 1, dConv) and
/// `conv1d.bias` (dInner) U(±1/√dConv); `x_proj.weight` (dtRank + 2·dState, dInner) U(±1/√dInner);
/// `dt_proj.weight` (dInner, dtRank) U(±dtRank^−½); `dt_proj.bias` (dInner) = softplus⁻¹(dt) with
/// dt = exp(U(ln 0.001, ln 0.1)) clamped ≥ 1e-4; `A_log` (dInner, dState) = log(1 … dState) per row;
/// `D` (dInner) = 1; `out_proj.weight` (dModel, dInner) U(±1/√dInner). (SiMBA re-initialises the
/// Linear weights and dt_proj.bias afterwards; that is the model's business.)
///
/// Memory, with R = maxBatch·maxLength rows. Kept from forward to backward: 5 (R, dInner) buffers
/// (x before the conv, z, silu out, delta, y), the x_proj output (R, dtRank + 2·dState), A and the
/// scan's chunk-boundary states (about R·dInner·dState/chunk floats). Backward recomputes the
/// rest with the same kernels on the same inputs, so bit for bit: silu(z) and y ⊙ silu(z); the
/// conv output, for the SiLU backward; dt_proj's output, for softplus′ (a GEMM with k = dtRank).
/// Scratch (`scratch`, shared with every other module of the model): forward the output
/// (R, dModel) and 2 (R, dInner); backward 5 (R, dInner), (R, dtRank + 2·dState) and the scan's.
/// SiMBA-S stage 1 at batch 32 (R = 32·3136, dInner 128, dState 64): 360 MB kept per layer
/// (905 MB when every buffer was the layer's own), and 313 MB of backward scratch for all layers
/// together.
public final class Mamba: SequenceLayer {
    public let dModel: Int, dState: Int, dConv: Int, dInner: Int, dtRank: Int
    public let maxBatch: Int, maxLength: Int
    /// Steps between the scan states saved for backward (see `SelectiveScan`).
    public let chunk: Int

    let inProjWeight, conv1dWeight, conv1dBias, xProjWeight, dtProjWeight, dtProjBias, aLog, d, outProjWeight: TensorRef

    // Forward activations kept for backward: (maxBatch·maxLength, ·) each, A = −exp(A_log), scan states.
    let xIn, z, xAct, delta, xDbl, y, a, savedStates: FloatBuffer
    /// Forward: output, two (rows, dInner) working buffers. Backward: five (rows, dInner), dXDbl,
    /// dA and the scan's scratch.
    public let scratch: Scratch
    public var backwardReadsInput: Bool { true }
    private var input: UnsafePointer<Float>?

    var xDblWidth: Int { dtRank + 2 * dState }

    public init(
        store: ParameterStore, prefix: String, dModel: Int, dState: Int, dConv: Int = 4, expand: Int = 2,
        maxBatch: Int, maxLength: Int, chunk: Int = 64
    ) {
        precondition(dModel > 0 && dState > 0 && dConv > 0 && expand > 0 && maxBatch > 0 && maxLength > 0 && chunk > 0)
        self.dModel = dModel
        self.dState = dState
        self.dConv = dConv
        self.dInner = expand * dModel
        self.dtRank = (dModel + 15) / 16
        self.maxBatch = maxBatch
        self.maxLength = maxLength
        self.chunk = chunk
        let dInner = self.dInner, dtRank = self.dtRank
        let linear = { (fanIn: Int) in Initializer.uniform(bound: 1 / Float(fanIn).squareRoot()) }
        inProjWeight = store.parameter(
            prefix + "in_proj.weight", [2 * dInner, dModel], linear(dModel), role: .linearWeight)
        conv1dWeight = store.parameter(prefix + "conv1d.weight", [dInner, 1, dConv], linear(dConv))
        conv1dBias = store.parameter(prefix + "conv1d.bias", [dInner], linear(dConv))
        xProjWeight = store.parameter(
            prefix + "x_proj.weight", [dtRank + 2 * dState, dInner], linear(dInner), role: .linearWeight)
        dtProjWeight = store.parameter(prefix + "dt_proj.weight", [dInner, dtRank], linear(dtRank), role: .linearWeight)
        dtProjBias = store.parameter(prefix + "dt_proj.bias", [dInner], Mamba.dtBiasInitializer, role: .linearBias)
        aLog = store.parameter(
            prefix + "A_log", [dInner, dState],
            .custom { values, _ in
                for i in values.indices { values[i] = log(Float(i % dState + 1)) }
            })
        d = store.parameter(prefix + "D", [dInner], .constant(1))
        outProjWeight = store.parameter(
            prefix + "out_proj.weight", [dModel, dInner], linear(dInner), role: .linearWeight)

        let rows = maxBatch * maxLength, count = rows * dInner, xDblCount = rows * (dtRank + 2 * dState)
        xIn = FloatBuffer(count: count); delta = FloatBuffer(count: count)
        z = FloatBuffer(count: count); xAct = FloatBuffer(count: count)
        xDbl = FloatBuffer(count: xDblCount); y = FloatBuffer(count: count)
        a = FloatBuffer(count: dInner * dState)
        savedStates = FloatBuffer(
            count: Kernels.current.selectiveScan.savedStateCount(
                batch: maxBatch, length: maxLength, dInner: dInner, dState: dState, chunk: chunk))
        // The scan's scratch is not monotonic in the batch (fewer sequences → more channel groups).
        let scanScratch = (1...maxBatch).map {
            Kernels.current.selectiveScan.backwardScratchCount(
                batch: $0, length: maxLength, dInner: dInner, dState: dState, chunk: chunk)
        }.max()!
        scratch = Scratch(
            forward: [rows * dModel, count, count],
            backward: [count, count, count, count, count, xDblCount, dInner * dState, scanScratch])
    }

    /// dt = exp(U·(ln 0.1 − ln 0.001) + ln 0.001) clamped ≥ 1e-4; bias = dt + log(−expm1(−dt)).
    static let dtBiasInitializer = Initializer.custom { values, generator in
        let low = log(0.001), high = log(0.1)
        for i in values.indices {
            let dt = max(exp(Double(generator.uniform()) * (high - low) + low), 1e-4)
            values[i] = Float(dt + log(-expm1(-dt)))
        }
    }

    /// out = Mamba(u), returned in this module's forward scratch; `input` (batch, length, dModel) is
    /// kept, unchanged, for `backward`.
    public func forward(_ input: UnsafePointer<Float>, batch: Int, length: Int) -> UnsafePointer<Float> {
        precondition(
            batch <= maxBatch && length <= maxLength, "Mamba: batch \(batch) × length \(length) exceeds the buffers")
        self.input = input
        let rows = batch * length, count = rows * dInner
        return scratch.withForward { buffers in
            let output = buffers.take(rows * dModel)
            let work = buffers.take(count)  // dt_proj out
            let gated = buffers.take(count)  // y ⊙ silu(z)
            Kernels.current.linear.forward(  // (rows, dModel) → (rows, dInner)
                output: xIn.pointer, input: input, weight: inProjWeight.value, bias: nil,
                rows: rows, inFeatures: dModel, outFeatures: dInner)
            Kernels.current.linear.forward(
                output: z.pointer, input: input, weight: inProjWeight.value + dInner * dModel, bias: nil,
                rows: rows, inFeatures: dModel, outFeatures: dInner)
            Kernels.current.causalConv1d.forward(  // silu(conv(x)) in one pass
                output: xAct.pointer, input: xIn.pointer, weight: conv1dWeight.value, bias: conv1dBias.value,
                batch: batch, length: length, channels: dInner, kernelSize: dConv, silu: true)
            Kernels.current.linear.forward(  // (rows, dInner) → (rows, dtRank + 2N)
                output: xDbl.pointer, input: xAct.pointer, weight: xProjWeight.value, bias: nil,
                rows: rows, inFeatures: dInner, outFeatures: xDblWidth)
            Kernels.current.linear.forward(  // (rows, dtRank) → (rows, dInner), no bias yet
                output: work, input: xDbl.pointer, weight: dtProjWeight.value, bias: nil,
                rows: rows, inFeatures: dtRank, outFeatures: dInner, inputStride: xDblWidth)
            Kernels.current.mambaGates.softplusWithBias(
                delta: delta.pointer, dtPre: work, bias: dtProjBias.value, rows: rows, dInner: dInner)
            negativeExp(a.pointer, aLog.value, count: dInner * dState)
            Kernels.current.selectiveScan.forward(
                y: y.pointer, savedStates: savedStates.pointer, x: xAct.pointer, delta: delta.pointer, a: a.pointer,
                b: xDbl.pointer + dtRank, c: xDbl.pointer + dtRank + dState, d: d.value, bcStride: xDblWidth,
                batch: batch, length: length, dInner: dInner, dState: dState, chunk: chunk)
            Kernels.current.mambaGates.gateBySiLU(gated: gated, scanOut: y.pointer, z: z.pointer, count: count)
            Kernels.current.linear.forward(  // (rows, dInner) → (rows, dModel)
                output: output, input: gated, weight: outProjWeight.value, bias: nil,
                rows: rows, inFeatures: dInner, outFeatures: dModel)
            return UnsafePointer(output)
        }
    }

    /// dtPre = dt_proj(dtLow), dtLow read inside the x_proj output: (rows, dtRank) → (rows, dInner).
    private func dtProj(_ dtPre: UnsafeMutablePointer<Float>, rows: Int) {
        Kernels.current.linear.forward(
            output: dtPre, input: xDbl.pointer, weight: dtProjWeight.value, bias: dtProjBias.value,
            rows: rows, inFeatures: dtRank, outFeatures: dInner, inputStride: xDblWidth)
    }

    /// a = −exp(aLog) element-wise, with libm's exp.
    private func negativeExp(_ a: UnsafeMutablePointer<Float>, _ aLog: UnsafePointer<Float>, count: Int) {
        Parallel.forEachRange(count, costPerItem: 16) { range in
            for i in range { a[i] = -exp(aLog[i]) }
        }
    }

    /// Accumulates (`+=`) into dInput and every parameter gradient; call after `forward` with the same sizes.
    public func backward(_ dOutput: UnsafePointer<Float>, dInput: UnsafeMutablePointer<Float>, batch: Int, length: Int)
    {
        guard let input else { preconditionFailure("Mamba.backward called before forward") }
        backward(dOutput, input: input, dInput: dInput, batch: batch, length: length)
    }

    /// `backward` with the forward's input given again (the same values, possibly recomputed
    /// elsewhere by the caller).
    func backward(
        _ dOutput: UnsafePointer<Float>, input: UnsafePointer<Float>, dInput: UnsafeMutablePointer<Float>, batch: Int,
        length: Int
    ) {
        let rows = batch * length, count = rows * dInner
        scratch.withBackward { buffers in
            // Five arrays of `count` floats, each holding one value after another (no two alive at once):
            //   slot1: zAct, then dZ (written over zAct by gateBackward)
            //   slot2: gated, then dY, then dtPre, then xConv
            //   slot3: dGated, then dXAct
            //   slot4: dDelta, then dXConv
            //   slot5: dDtPre, then dXIn
            let slot1 = buffers.take(count), slot2 = buffers.take(count), slot3 = buffers.take(count)
            let slot4 = buffers.take(count), slot5 = buffers.take(count)
            let dXDbl = buffers.take(rows * xDblWidth), dA = buffers.take(dInner * dState)
            let scanScratch = buffers.take(
                Kernels.current.selectiveScan.backwardScratchCount(
                    batch: batch, length: length, dInner: dInner, dState: dState, chunk: chunk))

            // out_proj, on gated = y ⊙ silu(z) recomputed.
            let zAct = slot1, gated = slot2, dGated = slot3
            Kernels.current.mambaGates.siluAndGate(
                zAct: zAct, gated: gated, scanOut: y.pointer, z: z.pointer, count: count)
            Parallel.zero(dGated, count: count)
            Kernels.current.linear.backward(
                dInput: dGated, dWeight: outProjWeight.gradient, dBias: nil, dOutput: dOutput,
                input: gated, weight: outProjWeight.value, rows: rows, inFeatures: dInner, outFeatures: dModel)
            // Gate: dY = dGated ⊙ silu(z), dZ = silu'(z) ⊙ (dGated ⊙ y), in one pass (dZ over zAct).
            let dY = slot2, dZ = slot1
            Kernels.current.mambaGates.gateBackward(
                dY: dY, dZ: dZ, dGated: dGated, zAct: zAct, scanOut: y.pointer, z: z.pointer, count: count)

            let dXAct = slot3, dDelta = slot4
            Parallel.zero(dXAct, count: count)
            Parallel.zero(dDelta, count: count)
            Parallel.zero(dXDbl, count: rows * xDblWidth)
            Parallel.zero(dA, count: dInner * dState)
            Kernels.current.selectiveScan.backward(
                dX: dXAct, dDelta: dDelta, dA: dA, dB: dXDbl + dtRank,
                dC: dXDbl + dtRank + dState, dD: d.gradient, scratch: scanScratch, dY: dY,
                savedStates: savedStates.pointer, x: xAct.pointer, delta: delta.pointer, a: a.pointer,
                b: xDbl.pointer + dtRank, c: xDbl.pointer + dtRank + dState, d: d.value, bcStride: xDblWidth,
                batch: batch, length: length, dInner: dInner, dState: dState, chunk: chunk)
            // A = −exp(A_log): dA_log = dA ⊙ A.
            let (dALog, a) = (aLog.gradient, a.pointer)
            Parallel.forEachRange(dInner * dState) { range in
                for i in range { dALog[i] += dA[i] * a[i] }
            }

            // delta = softplus(dt_proj(dtLow)), softplus′ on dt_proj's output recomputed; dtLow's
            // gradient goes straight into its columns of dXDbl.
            let dtPre = slot2, dDtPre = slot5
            dtProj(dtPre, rows: rows)
            Kernels.current.softplus.backwardOverwriting(dInput: dDtPre, dOutput: dDelta, input: dtPre, count: count)
            Kernels.current.linear.backward(
                dInput: dXDbl, dWeight: dtProjWeight.gradient, dBias: dtProjBias.gradient, dOutput: dDtPre,
                input: xDbl.pointer, weight: dtProjWeight.value, rows: rows, inFeatures: dtRank, outFeatures: dInner,
                inputStride: xDblWidth, dInputStride: xDblWidth)
            Kernels.current.linear.backward(
                dInput: dXAct, dWeight: xProjWeight.gradient, dBias: nil, dOutput: dXDbl,
                input: xAct.pointer, weight: xProjWeight.value, rows: rows, inFeatures: dInner, outFeatures: xDblWidth)

            // SiLU, on the conv output recomputed, and conv.
            let xConv = slot2, dXConv = slot4, dXIn = slot5
            Kernels.current.causalConv1d.forward(
                output: xConv, input: xIn.pointer, weight: conv1dWeight.value, bias: conv1dBias.value,
                batch: batch, length: length, channels: dInner, kernelSize: dConv, silu: false)
            Kernels.current.silu.backwardOverwriting(dInput: dXConv, dOutput: dXAct, input: xConv, count: count)
            Kernels.current.causalConv1d.backward(
                dInput: dXIn, dWeight: conv1dWeight.gradient, dBias: conv1dBias.gradient, dOutput: dXConv,
                input: xIn.pointer, weight: conv1dWeight.value, batch: batch, length: length, channels: dInner,
                kernelSize: dConv, overwritingInput: true)
            Kernels.current.linear.backward(
                dInput: dInput, dWeight: inProjWeight.gradient, dBias: nil, dOutput: dXIn,
                input: input, weight: inProjWeight.value, rows: rows, inFeatures: dModel, outFeatures: dInner)
            Kernels.current.linear.backward(
                dInput: dInput, dWeight: inProjWeight.gradient + dInner * dModel, dBias: nil, dOutput: dZ,
                input: input, weight: inProjWeight.value + dInner * dModel, rows: rows, inFeatures: dModel,
                outFeatures: dInner)
        }
    }
}
