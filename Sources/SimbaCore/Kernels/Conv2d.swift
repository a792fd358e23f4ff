// 2-D convolution of NHWC images with a square kernel, stride and zero padding (PyTorch `nn.Conv2d`,
// groups 1) as im2col + one GEMM, forward and backward. No dilation, no groups, no non-square kernels.

/// `nn.Conv2d(inChannels, outChannels, kernel, stride, padding, bias)` on NHWC data:
/// y[b, oy, ox, o] = bias[o] + Σ_{ci, ky, kx} W[o, ci, ky, kx] · x[b, oy·s − p + ky, ox·s − p + kx, ci],
/// with x = 0 outside the image and outH = (H + 2p − k)/s + 1 (likewise outW).
///
/// The fast path unrolls the input into `columns` (rows = batch·outH·outW, K = inC·k·k) with column
/// index ci·k·k + ky·k + kx, so PyTorch's weight (out, in, kh, kw) is a (out, K) matrix used as it
/// is: y = columns · Wᵀ, one GEMM over all rows. The caller owns `columns` (rows·K floats) and keeps
/// it unchanged from forward to backward.
public enum Conv2d {
    /// Output height or width: (size + 2·padding − kernel)/stride + 1.
    public static func outputSize(_ size: Int, kernel: Int, stride: Int, padding: Int) -> Int {
        (size + 2 * padding - kernel) / stride + 1
    }

    public static func forward(
        output: UnsafeMutablePointer<Float>,        // (batch, outH, outW, outChannels)
        columns: UnsafeMutablePointer<Float>,       // (batch·outH·outW, inChannels·k·k) scratch, kept for backward
        input: UnsafePointer<Float>,                // (batch, height, width, inChannels)
        weight: UnsafePointer<Float>,               // (outChannels, inChannels, k, k)
        bias: UnsafePointer<Float>?,                // (outChannels)
        batch: Int, height: Int, width: Int, inChannels: Int, outChannels: Int,
        kernel: Int, stride: Int, padding: Int
    ) {
        let outHeight = outputSize(height, kernel: kernel, stride: stride, padding: padding)
        let outWidth = outputSize(width, kernel: kernel, stride: stride, padding: padding)
        precondition(outHeight > 0 && outWidth > 0, "Conv2d: kernel larger than the padded image")
        let rows = batch * outHeight * outWidth
        let patch = inChannels * kernel * kernel
        im2col(
            columns: columns, input: input, batch: batch, height: height, width: width, inChannels: inChannels,
            outHeight: outHeight, outWidth: outWidth, kernel: kernel, stride: stride, padding: padding)
        if let bias {
            Parallel.forEachRange(rows, costPerItem: outChannels) { range in
                for r in range { (output + r * outChannels).update(from: bias, count: outChannels) }
            }
        }
        BLAS.gemm(
            transposeA: false, transposeB: true, m: rows, n: outChannels, k: patch,
            a: columns, lda: patch, b: weight, ldb: patch,
            beta: bias == nil ? 0 : 1, c: output, ldc: outChannels)
    }

    /// dWeight += dOutᵀ · columns, dBias += Σ_rows dOut, and when dInput is given
    /// dColumns = dOut · W followed by col2im, which adds every column entry back to the input
    /// pixel it was copied from (dInput +=).
    ///
    /// `dColumns` (rows·K floats) is needed only with `dInput`. It may be the same memory as
    /// `columns`: columns are read (for dWeight) before dColumns is written, so afterwards the
    /// columns are gone.
    public static func backward(
        dInput: UnsafeMutablePointer<Float>?,       // (batch, height, width, inChannels), += ; nil: not needed
        dWeight: UnsafeMutablePointer<Float>,       // (outChannels, inChannels, k, k), +=
        dBias: UnsafeMutablePointer<Float>?,        // (outChannels), +=
        dColumns: UnsafeMutablePointer<Float>?,     // (batch·outH·outW, inChannels·k·k) scratch; with dInput
        dOutput: UnsafePointer<Float>,              // (batch, outH, outW, outChannels)
        columns: UnsafePointer<Float>,              // (batch·outH·outW, inChannels·k·k), from forward
        weight: UnsafePointer<Float>,               // (outChannels, inChannels, k, k)
        batch: Int, height: Int, width: Int, inChannels: Int, outChannels: Int,
        kernel: Int, stride: Int, padding: Int
    ) {
        let outHeight = outputSize(height, kernel: kernel, stride: stride, padding: padding)
        let outWidth = outputSize(width, kernel: kernel, stride: stride, padding: padding)
        let rows = batch * outHeight * outWidth
        let patch = inChannels * kernel * kernel
        BLAS.gemm(
            transposeA: true, transposeB: false, m: outChannels, n: patch, k: rows,
            a: dOutput, lda: outChannels, b: columns, ldb: patch,
            beta: 1, c: dWeight, ldc: patch)
        if let dBias { ChannelTiles.addColumnSums(dBias, of: dOutput, rows: rows, channels: outChannels) }
        guard let dInput else { return }
        guard let dColumns else { preconditionFailure("Conv2d.backward: dInput needs dColumns scratch") }
        BLAS.gemm(
            transposeA: false, transposeB: false, m: rows, n: patch, k: outChannels,
            a: dOutput, lda: outChannels, b: weight, ldb: patch,
            beta: 0, c: dColumns, ldc: patch)
        col2im(
            dInput: dInput, dColumns: dColumns, batch: batch, height: height, width: width,
            inChannels: inChannels, outHeight: outHeight, outWidth: outWidth,
            kernel: kernel, stride: stride, padding: padding)
    }

    /// columns[(b, oy, ox), ci·k·k + ky·k + kx] = x[b, oy·s − p + ky, ox·s − p + kx, ci] (0 outside);
    /// parallel over batch·outH. Public so a caller can rebuild the columns for `backward` instead
    /// of keeping them from `forward`.
    public static func im2col(
        columns: UnsafeMutablePointer<Float>,       // (batch·outH·outW, inChannels·k·k)
        input: UnsafePointer<Float>,                // (batch, height, width, inChannels)
        batch: Int, height: Int, width: Int, inChannels: Int,
        outHeight: Int, outWidth: Int, kernel: Int, stride: Int, padding: Int
    ) {
        let taps = kernel * kernel
        let patch = inChannels * taps
        Parallel.forEach(batch * outHeight, costPerItem: outWidth * patch) { item in
            let b = item / outHeight, oy = item % outHeight
            for ox in 0..<outWidth {
                let row = columns + (item * outWidth + ox) * patch
                for ky in 0..<kernel {
                    let iy = oy * stride - padding + ky
                    for kx in 0..<kernel {
                        let ix = ox * stride - padding + kx
                        let tap = ky * kernel + kx
                        if iy >= 0 && iy < height && ix >= 0 && ix < width {
                            let pixel = input + ((b * height + iy) * width + ix) * inChannels
                            for ci in 0..<inChannels { row[ci * taps + tap] = pixel[ci] }
                        } else {
                            for ci in 0..<inChannels { row[ci * taps + tap] = 0 }
                        }
                    }
                }
            }
        }
    }

    /// The adjoint of im2col: dx[b, iy, ix, ci] += Σ dColumns[(b, oy, ox), ci·k·k + ky·k + kx] over
    /// all (oy, ox, ky, kx) with oy·s − p + ky = iy and ox·s − p + kx = ix. Parallel over input rows
    /// batch·height, so each worker writes only its own rows (output rows overlap when s < k).
    static func col2im(
        dInput: UnsafeMutablePointer<Float>,        // (batch, height, width, inChannels), +=
        dColumns: UnsafePointer<Float>,             // (batch·outH·outW, inChannels·k·k)
        batch: Int, height: Int, width: Int, inChannels: Int,
        outHeight: Int, outWidth: Int, kernel: Int, stride: Int, padding: Int
    ) {
        let taps = kernel * kernel
        let patch = inChannels * taps
        let rowsPerInputRow = (kernel + stride - 1) / stride
        Parallel.forEach(batch * height, costPerItem: rowsPerInputRow * outWidth * patch) { item in
            let b = item / height, iy = item % height
            let dRow = dInput + item * width * inChannels
            for ky in 0..<kernel {
                let shifted = iy + padding - ky
                guard shifted >= 0, shifted % stride == 0, shifted / stride < outHeight else { continue }
                let oy = shifted / stride
                for ox in 0..<outWidth {
                    let column = dColumns + ((b * outHeight + oy) * outWidth + ox) * patch
                    for kx in 0..<kernel {
                        let ix = ox * stride - padding + kx
                        guard ix >= 0 && ix < width else { continue }
                        let pixel = dRow + ix * inChannels
                        let tap = ky * kernel + kx
                        for ci in 0..<inChannels { pixel[ci] += column[ci * taps + tap] }
                    }
                }
            }
        }
    }

    /// Plain direct convolution, the twin the im2col path is tested against (double accumulators).
    public static func referenceForward(
        output: UnsafeMutablePointer<Float>,        // (batch, outH, outW, outChannels)
        input: UnsafePointer<Float>,                // (batch, height, width, inChannels)
        weight: UnsafePointer<Float>,               // (outChannels, inChannels, k, k)
        bias: UnsafePointer<Float>?,                // (outChannels)
        batch: Int, height: Int, width: Int, inChannels: Int, outChannels: Int,
        kernel: Int, stride: Int, padding: Int
    ) {
        let outHeight = outputSize(height, kernel: kernel, stride: stride, padding: padding)
        let outWidth = outputSize(width, kernel: kernel, stride: stride, padding: padding)
        for b in 0..<batch {
            for oy in 0..<outHeight {
                for ox in 0..<outWidth {
                    for o in 0..<outChannels {
                        var sum = Double(bias?[o] ?? 0)
                        for ci in 0..<inChannels {
                            for ky in 0..<kernel {
                                let iy = oy * stride - padding + ky
                                guard iy >= 0 && iy < height else { continue }
                                for kx in 0..<kernel {
                                    let ix = ox * stride - padding + kx
                                    guard ix >= 0 && ix < width else { continue }
                                    let w = weight[((o * inChannels + ci) * kernel + ky) * kernel + kx]
                                    let x = input[((b * height + iy) * width + ix) * inChannels + ci]
                                    sum += Double(w) * Double(x)
                                }
                            }
                        }
                        output[((b * outHeight + oy) * outWidth + ox) * outChannels + o] = Float(sum)
                    }
                }
            }
        }
    }
}
