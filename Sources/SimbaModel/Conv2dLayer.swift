// nn.Conv2d (groups 1, square kernel, zero padding) as a module on NHWC images of a fixed size:
// registers `weight` (out, in, k, k) and optional `bias`, owns its output; forward straight from
// the image where `Conv2d.directForwardApplies` (the stem), else im2col in scratch.

import SimbaCore

public final class Conv2dLayer {
    public let inChannels: Int, outChannels: Int, kernel: Int, stride: Int, padding: Int
    public let height: Int, width: Int  // input size
    public let outHeight: Int, outWidth: Int
    public let weight: TensorRef
    public let bias: TensorRef?
    let output: FloatBuffer  // (maxBatch, outHeight, outWidth, outChannels)
    /// Forward (when not direct) and backward: the im2col of the input, (maxBatch·outHeight·outWidth,
    /// inChannels·k·k). Backward rebuilds it from the input (a copy, so bit for bit), reads it for
    /// dWeight and then reuses it for the column gradient.
    public let scratch: Scratch
    private var input: UnsafePointer<Float>?

    /// PyTorch's default init: U(±1/√fan_in) with fan_in = in·k·k, for weight and bias.
    public init(
        _ prefix: String, inChannels: Int, outChannels: Int, kernel: Int, stride: Int, padding: Int,
        bias hasBias: Bool, height: Int, width: Int, store: ParameterStore, maxBatch: Int
    ) {
        self.inChannels = inChannels
        self.outChannels = outChannels
        self.kernel = kernel
        self.stride = stride
        self.padding = padding
        self.height = height
        self.width = width
        outHeight = (height + 2 * padding - kernel) / stride + 1
        outWidth = (width + 2 * padding - kernel) / stride + 1
        let bound = 1 / Float(inChannels * kernel * kernel).squareRoot()
        weight = store.parameter(
            prefix + "weight", [outChannels, inChannels, kernel, kernel], .uniform(bound: bound),
            role: .conv2dWeight(fanOut: kernel * kernel * outChannels))
        bias =
            hasBias ? store.parameter(prefix + "bias", [outChannels], .uniform(bound: bound), role: .conv2dBias) : nil
        let outRows = maxBatch * outHeight * outWidth
        output = FloatBuffer(count: outRows * outChannels)
        let columnCount = outRows * inChannels * kernel * kernel
        scratch = Scratch(forward: [columnCount], backward: [columnCount])
    }

    /// input (batch, height, width, inChannels) → (batch, outHeight, outWidth, outChannels).
    /// `input` is kept, unchanged, for backward.
    public func forward(_ input: UnsafePointer<Float>, batch: Int) -> UnsafePointer<Float> {
        self.input = input
        if Kernels.current.conv2d.directForwardApplies(rows: batch * outHeight * outWidth, outChannels: outChannels) {
            Kernels.current.conv2d.directForward(
                output: output.pointer, input: input, weight: weight.value, bias: bias?.value,
                batch: batch, height: height, width: width, inChannels: inChannels, outChannels: outChannels,
                kernel: kernel, stride: stride, padding: padding)
            return UnsafePointer(output.pointer)
        }
        scratch.withForward { buffers in
            let columns = buffers.take(batch * outHeight * outWidth * inChannels * kernel * kernel)
            Kernels.current.conv2d.forward(
                output: output.pointer, columns: columns, input: input, weight: weight.value, bias: bias?.value,
                batch: batch, height: height, width: width, inChannels: inChannels, outChannels: outChannels,
                kernel: kernel, stride: stride, padding: padding)
        }
        return UnsafePointer(output.pointer)
    }

    /// Adds into `dInput` (nil: the input needs no gradient) and the parameter gradients.
    public func backward(_ dOutput: UnsafePointer<Float>, dInput: UnsafeMutablePointer<Float>?, batch: Int) {
        guard let input else { preconditionFailure("Conv2dLayer.backward before forward") }
        scratch.withBackward { buffers in
            let columns = buffers.take(batch * outHeight * outWidth * inChannels * kernel * kernel)
            Kernels.current.conv2d.im2col(
                columns: columns, input: input, batch: batch, height: height, width: width, inChannels: inChannels,
                outHeight: outHeight, outWidth: outWidth, kernel: kernel, stride: stride, padding: padding,
                order: Kernels.current.conv2d.columnOrder(rows: batch * outHeight * outWidth, outChannels: outChannels))
            Kernels.current.conv2d.backward(
                dInput: dInput, dWeight: weight.gradient, dBias: bias?.gradient,
                dColumns: dInput == nil ? nil : columns,
                dOutput: dOutput, columns: columns, weight: weight.value,
                batch: batch, height: height, width: width, inChannels: inChannels, outChannels: outChannels,
                kernel: kernel, stride: stride, padding: padding)
        }
    }
}
