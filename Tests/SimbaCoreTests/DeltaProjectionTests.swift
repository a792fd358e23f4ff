// DeltaProjection: the fused dt_proj + softplus against its plain twin (Linear then Softplus), and its
// backward, with Linear.backward after it as in Mamba, against central finite differences.

import SimbaCore
import SimbaTestSupport
import Testing

@Suite struct DeltaProjectionTests {
    // 37 channels: two full 16-channel blocks and a partial one; dtLow is the first 3 columns of
    // rows 7 wide, as it sits inside x_proj's output.
    let rows = 9, rank = 3, channels = 37, stride = 7

    @Test func forwardMatchesLinearThenSoftplus() {
        // Inputs of scale 3 put pre-activations on both sides of 0 and a few past softplus's threshold 20.
        let input = randomArray(rows * stride, scale: 3, seed: 1), weight = randomArray(channels * rank, scale: 3, seed: 2)
        let bias = randomArray(channels, scale: 3, seed: 3)
        let delta = FloatBuffer(count: rows * channels), twin = FloatBuffer(count: rows * channels)
        DeltaProjection.forward(
            delta: delta.pointer, input: input, weight: weight, bias: bias,
            rows: rows, rank: rank, channels: channels, inputStride: stride)
        Linear.forward(
            output: twin.pointer, input: input, weight: weight, bias: bias,
            rows: rows, inFeatures: rank, outFeatures: channels, inputStride: stride)
        Softplus.forward(output: twin.pointer, input: twin.pointer, count: twin.count)
        // Three products summed in another order at most: a few float32 roundings of |pre| ≲ 30.
        expectClose(delta.array, twin.array, atol: 1e-5, rtol: 1e-6, "delta")
    }

    @Test func backwardMatchesFiniteDifferences() {
        let input = FloatBuffer(randomArray(rows * stride, seed: 4)), weight = FloatBuffer(randomArray(channels * rank, seed: 5))
        let bias = FloatBuffer(randomArray(channels, seed: 6)), dDelta = FloatBuffer(randomArray(rows * channels, seed: 7))
        let delta = FloatBuffer(count: rows * channels)
        func objective() -> Double {
            DeltaProjection.forward(
                delta: delta.pointer, input: input.pointer, weight: weight.pointer, bias: bias.pointer,
                rows: rows, rank: rank, channels: channels, inputStride: stride)
            return dot(delta.pointer, dDelta.pointer, delta.count)
        }
        // dPre starts as NaN: backward must overwrite every element.
        let dPre = FloatBuffer([Float](repeating: .nan, count: rows * channels))
        DeltaProjection.backward(
            dPreActivation: dPre.pointer, dDelta: dDelta.pointer, input: input.pointer, weight: weight.pointer,
            bias: bias.pointer, rows: rows, rank: rank, channels: channels, inputStride: stride)
        let dInput = FloatBuffer(count: input.count), dWeight = FloatBuffer(count: weight.count)
        let dBias = FloatBuffer(count: bias.count)
        Linear.backward(
            dInput: dInput.pointer, dWeight: dWeight.pointer, dBias: dBias.pointer, dOutput: dPre.pointer,
            input: input.pointer, weight: weight.pointer, rows: rows, inFeatures: rank, outFeatures: channels,
            inputStride: stride, dInputStride: stride)
        // Step 1e-2 on a smooth objective of O(10): truncation ~1e-5·|f‴|, float32 rounding of Σ ~1e-4.
        let numericInput = numericGradient(of: input.pointer, count: input.count, objective)
        for r in 0..<rows {
            let columns = r * stride..<(r * stride + rank)
            expectClose(Array(dInput.array[columns]), Array(numericInput[columns]), atol: 2e-3, rtol: 1e-3, "dInput row \(r)")
            // The columns past dtLow are not dt_proj's: no gradient there.
            #expect(dInput.array[(r * stride + rank)..<((r + 1) * stride)].allSatisfy { $0 == 0 })
        }
        expectClose(dWeight.array, numericGradient(of: weight.pointer, count: weight.count, objective), atol: 2e-3, rtol: 1e-3, "dWeight")
        expectClose(dBias.array, numericGradient(of: bias.pointer, count: bias.count, objective), atol: 2e-3, rtol: 1e-3, "dBias")
    }
}
