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
/// a copy; B and C are read in place inside the x_proj output (row stride dtRank + 2·dState);
/// dtLow is copied into a contiguous (rows, dtRank) buffer for dt_proj.
///
/// Parameters in state_dict order (mamba_simple.py `__init__`), with Mamba's own init:
/// `in_proj.weight` (2·dInner, dModel) U(±1/√dModel); `conv1d.weight` (dInner, 1, dConv) and
/// `conv1d.bias` (dInner) U(±1/√dConv); `x_proj.weight` (dtRank + 2·dState, dInner) U(±1/√dInner);
/// `dt_proj.weight` (dInner, dtRank) U(±dtRank^−½); `dt_proj.bias` (dInner) = softplus⁻¹(dt) with
/// dt = exp(U(ln 0.001, ln 0.1)) clamped ≥ 1e-4; `A_log` (dInner, dState) = log(1 … dState) per row;
/// `D` (dInner) = 1; `out_proj.weight` (dModel, dInner) U(±1/√dInner). (SiMBA re-initialises the
/// Linear weights and dt_proj.bias afterwards; that is the model's business.)
///
/// Memory, with R = maxBatch·maxLength rows: forward keeps 9 (R, dInner) buffers (x, z, conv out,
/// silu out, dt_proj out, delta, y, silu(z), gated), x_proj out (R, dtRank + 2·dState), dtLow
/// (R, dtRank), the output (R, dModel) and the scan's chunk-boundary states; backward uses 5 more
/// (R, dInner) buffers, (R, dtRank + 2·dState), (R, dtRank) and the scan scratch. SiMBA-S stage 1
/// (R = 8·3136, dInner 128, dState 64): about 225 MB per layer.
public final class Mamba: SequenceLayer {
    public let dModel: Int, dState: Int, dConv: Int, dInner: Int, dtRank: Int
    public let maxBatch: Int, maxLength: Int
    /// Steps between the scan states saved for backward (see `SelectiveScan`).
    public let chunk: Int

    let inProjWeight, conv1dWeight, conv1dBias, xProjWeight, dtProjWeight, dtProjBias, aLog, d, outProjWeight: TensorRef

    // Forward activations, (maxBatch·maxLength, ·) each, kept for backward.
    let xIn, z, xConv, xAct, xDbl, dtLow, dtPre, delta, a, y, zAct, gated, output, savedStates: FloatBuffer
    // Backward scratch.
    let dGated, dY, dZ, dXAct, dDelta, dXDbl, dDtLow, dA, scanScratch: FloatBuffer
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
        inProjWeight = store.parameter(prefix + "in_proj.weight", [2 * dInner, dModel], linear(dModel), role: .linearWeight)
        conv1dWeight = store.parameter(prefix + "conv1d.weight", [dInner, 1, dConv], linear(dConv))
        conv1dBias = store.parameter(prefix + "conv1d.bias", [dInner], linear(dConv))
        xProjWeight = store.parameter(prefix + "x_proj.weight", [dtRank + 2 * dState, dInner], linear(dInner), role: .linearWeight)
        dtProjWeight = store.parameter(prefix + "dt_proj.weight", [dInner, dtRank], linear(dtRank), role: .linearWeight)
        dtProjBias = store.parameter(prefix + "dt_proj.bias", [dInner], Mamba.dtBiasInitializer, role: .linearBias)
        aLog = store.parameter(prefix + "A_log", [dInner, dState], .custom { values, _ in
            for i in values.indices { values[i] = log(Float(i % dState + 1)) }
        })
        d = store.parameter(prefix + "D", [dInner], .constant(1))
        outProjWeight = store.parameter(prefix + "out_proj.weight", [dModel, dInner], linear(dInner), role: .linearWeight)

        let rows = maxBatch * maxLength
        xIn = FloatBuffer(count: rows * dInner); z = FloatBuffer(count: rows * dInner)
        xConv = FloatBuffer(count: rows * dInner); xAct = FloatBuffer(count: rows * dInner)
        xDbl = FloatBuffer(count: rows * (dtRank + 2 * dState)); dtLow = FloatBuffer(count: rows * dtRank)
        dtPre = FloatBuffer(count: rows * dInner); delta = FloatBuffer(count: rows * dInner)
        a = FloatBuffer(count: dInner * dState); y = FloatBuffer(count: rows * dInner)
        zAct = FloatBuffer(count: rows * dInner); gated = FloatBuffer(count: rows * dInner)
        output = FloatBuffer(count: rows * dModel)
        savedStates = FloatBuffer(count: SelectiveScan.savedStateCount(
            batch: maxBatch, length: maxLength, dInner: dInner, dState: dState, chunk: chunk))
        dGated = FloatBuffer(count: rows * dInner); dY = FloatBuffer(count: rows * dInner)
        dZ = FloatBuffer(count: rows * dInner); dXAct = FloatBuffer(count: rows * dInner)
        dDelta = FloatBuffer(count: rows * dInner); dXDbl = FloatBuffer(count: rows * (dtRank + 2 * dState))
        dDtLow = FloatBuffer(count: rows * dtRank); dA = FloatBuffer(count: dInner * dState)
        // The scan's scratch is not monotonic in the batch (fewer sequences → more channel groups).
        scanScratch = FloatBuffer(count: (1...maxBatch).map {
            SelectiveScan.backwardScratchCount(batch: $0, length: maxLength, dInner: dInner, dState: dState, chunk: chunk)
        }.max()!)
    }

    /// dt = exp(U·(ln 0.1 − ln 0.001) + ln 0.001) clamped ≥ 1e-4; bias = dt + log(−expm1(−dt)).
    static let dtBiasInitializer = Initializer.custom { values, generator in
        let low = log(0.001), high = log(0.1)
        for i in values.indices {
            let dt = max(exp(Double(generator.uniform()) * (high - low) + low), 1e-4)
            values[i] = Float(dt + log(-expm1(-dt)))
        }
    }

    /// out = Mamba(u); `input` (batch, length, dModel) is kept, unchanged, for backward.
    public func forward(_ input: UnsafePointer<Float>, batch: Int, length: Int) -> UnsafePointer<Float> {
        precondition(batch <= maxBatch && length <= maxLength, "Mamba: batch \(batch) × length \(length) exceeds the buffers")
        self.input = input
        let rows = batch * length, count = rows * dInner
        Linear.forward(                                                     // (rows, dModel) → (rows, dInner)
            output: xIn.pointer, input: input, weight: inProjWeight.value, bias: nil,
            rows: rows, inFeatures: dModel, outFeatures: dInner)
        Linear.forward(
            output: z.pointer, input: input, weight: inProjWeight.value + dInner * dModel, bias: nil,
            rows: rows, inFeatures: dModel, outFeatures: dInner)
        CausalConv1d.forward(
            output: xConv.pointer, input: xIn.pointer, weight: conv1dWeight.value, bias: conv1dBias.value,
            batch: batch, length: length, channels: dInner, kernelSize: dConv)
        SiLU.forward(output: xAct.pointer, input: xConv.pointer, count: count)
        Linear.forward(                                                     // (rows, dInner) → (rows, dtRank + 2N)
            output: xDbl.pointer, input: xAct.pointer, weight: xProjWeight.value, bias: nil,
            rows: rows, inFeatures: dInner, outFeatures: xDblWidth)
        for r in 0..<rows { (dtLow.pointer + r * dtRank).update(from: xDbl.pointer + r * xDblWidth, count: dtRank) }
        Linear.forward(                                                     // (rows, dtRank) → (rows, dInner)
            output: dtPre.pointer, input: dtLow.pointer, weight: dtProjWeight.value, bias: dtProjBias.value,
            rows: rows, inFeatures: dtRank, outFeatures: dInner)
        Softplus.forward(output: delta.pointer, input: dtPre.pointer, count: count)
        for i in 0..<dInner * dState { a[i] = -exp(aLog.value[i]) }
        SelectiveScan.forward(
            y: y.pointer, savedStates: savedStates.pointer, x: xAct.pointer, delta: delta.pointer, a: a.pointer,
            b: xDbl.pointer + dtRank, c: xDbl.pointer + dtRank + dState, d: d.value, bcStride: xDblWidth,
            batch: batch, length: length, dInner: dInner, dState: dState, chunk: chunk)
        SiLU.forward(output: zAct.pointer, input: z.pointer, count: count)
        let scanOut = y.pointer, gate = zAct.pointer, product = gated.pointer
        Parallel.forEachRange(count) { range in
            for i in range { product[i] = scanOut[i] * gate[i] }
        }
        Linear.forward(                                                     // (rows, dInner) → (rows, dModel)
            output: output.pointer, input: gated.pointer, weight: outProjWeight.value, bias: nil,
            rows: rows, inFeatures: dInner, outFeatures: dModel)
        return UnsafePointer(output.pointer)
    }

    /// Accumulates (`+=`) into dInput and every parameter gradient; call after `forward` with the same sizes.
    public func backward(_ dOutput: UnsafePointer<Float>, dInput: UnsafeMutablePointer<Float>, batch: Int, length: Int) {
        guard let input else { preconditionFailure("Mamba.backward called before forward") }
        let rows = batch * length, count = rows * dInner
        dGated.pointer.update(repeating: 0, count: count)
        Linear.backward(
            dInput: dGated.pointer, dWeight: outProjWeight.gradient, dBias: nil, dOutput: dOutput,
            input: gated.pointer, weight: outProjWeight.value, rows: rows, inFeatures: dInner, outFeatures: dModel)
        // Gate: dY = dGated ⊙ silu(z); dZ = silu'(z) ⊙ dGated ⊙ y (dGated reused for the product).
        let dScanOut = dY.pointer, dProduct = dGated.pointer, gate = zAct.pointer, scanOut = y.pointer
        Parallel.forEachRange(count) { range in
            for i in range {
                dScanOut[i] = dProduct[i] * gate[i]
                dProduct[i] *= scanOut[i]
            }
        }
        dZ.pointer.update(repeating: 0, count: count)
        SiLU.backward(dInput: dZ.pointer, dOutput: dGated.pointer, input: z.pointer, count: count)

        dXAct.pointer.update(repeating: 0, count: count)
        dDelta.pointer.update(repeating: 0, count: count)
        dXDbl.pointer.update(repeating: 0, count: rows * xDblWidth)
        dA.zero()
        SelectiveScan.backward(
            dX: dXAct.pointer, dDelta: dDelta.pointer, dA: dA.pointer, dB: dXDbl.pointer + dtRank,
            dC: dXDbl.pointer + dtRank + dState, dD: d.gradient, scratch: scanScratch.pointer, dY: dY.pointer,
            savedStates: savedStates.pointer, x: xAct.pointer, delta: delta.pointer, a: a.pointer,
            b: xDbl.pointer + dtRank, c: xDbl.pointer + dtRank + dState, d: d.value, bcStride: xDblWidth,
            batch: batch, length: length, dInner: dInner, dState: dState, chunk: chunk)
        // A = −exp(A_log): dA_log = dA ⊙ A.
        for i in 0..<dInner * dState { aLog.gradient[i] += dA[i] * a[i] }

        let dDtPre = dGated                                                 // free after the gate
        dDtPre.pointer.update(repeating: 0, count: count)
        Softplus.backward(dInput: dDtPre.pointer, dOutput: dDelta.pointer, input: dtPre.pointer, count: count)
        dDtLow.pointer.update(repeating: 0, count: rows * dtRank)
        Linear.backward(
            dInput: dDtLow.pointer, dWeight: dtProjWeight.gradient, dBias: dtProjBias.gradient, dOutput: dDtPre.pointer,
            input: dtLow.pointer, weight: dtProjWeight.value, rows: rows, inFeatures: dtRank, outFeatures: dInner)
        for r in 0..<rows {
            for j in 0..<dtRank { dXDbl[r * xDblWidth + j] += dDtLow[r * dtRank + j] }
        }
        Linear.backward(
            dInput: dXAct.pointer, dWeight: xProjWeight.gradient, dBias: nil, dOutput: dXDbl.pointer,
            input: xAct.pointer, weight: xProjWeight.value, rows: rows, inFeatures: dInner, outFeatures: xDblWidth)

        let dXConv = dDelta                                                 // free after softplus
        dXConv.pointer.update(repeating: 0, count: count)
        SiLU.backward(dInput: dXConv.pointer, dOutput: dXAct.pointer, input: xConv.pointer, count: count)
        let dXIn = dY                                                       // free after the scan
        dXIn.pointer.update(repeating: 0, count: count)
        CausalConv1d.backward(
            dInput: dXIn.pointer, dWeight: conv1dWeight.gradient, dBias: conv1dBias.gradient, dOutput: dXConv.pointer,
            input: xIn.pointer, weight: conv1dWeight.value, batch: batch, length: length, channels: dInner,
            kernelSize: dConv)
        Linear.backward(
            dInput: dInput, dWeight: inProjWeight.gradient, dBias: nil, dOutput: dXIn.pointer,
            input: input, weight: inProjWeight.value, rows: rows, inFeatures: dModel, outFeatures: dInner)
        Linear.backward(
            dInput: dInput, dWeight: inProjWeight.gradient + dInner * dModel, dBias: nil, dOutput: dZ.pointer,
            input: input, weight: inProjWeight.value + dInner * dModel, rows: rows, inFeatures: dModel,
            outFeatures: dInner)
    }
}
