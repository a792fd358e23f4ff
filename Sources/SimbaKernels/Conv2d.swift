// 2-D convolution of NHWC images with a square kernel, stride and zero padding (PyTorch `nn.Conv2d`,
// groups 1) as im2col + one GEMM, forward and backward. No dilation, no groups, no non-square kernels.

import SimbaRuntime

/// `nn.Conv2d(inChannels, outChannels, kernel, stride, padding, bias)` on NHWC data:
/// y[b, oy, ox, o] = bias[o] + Σ_{ci, ky, kx} W[o, ci, ky, kx] · x[b, oy·s − p + ky, ox·s − p + kx, ci],
/// with x = 0 outside the image and outH = (H + 2p − k)/s + 1 (likewise outW).
///
/// The fast path unrolls the input into `columns` (rows = batch·outH·outW, K = inC·k·k) and runs one
/// GEMM over all rows, y = columns · Wᵀ, in one of two column orders (`ColumnOrder`). The caller
/// owns `columns` (rows·K floats) and keeps it unchanged from forward to backward.
public enum Conv2d {
    /// How a row of `columns` lists one output pixel's receptive field (SimbaRuntime's `Conv2dColumnOrder`).
    public typealias ColumnOrder = Conv2dColumnOrder

    public static func columnOrder(rows: Int, outChannels: Int) -> ColumnOrder {
        rows >= 4 * outChannels ? .tapMajor : .channelMajor
    }

    /// Output height or width: (size + 2·padding − kernel)/stride + 1.
    public static func outputSize(_ size: Int, kernel: Int, stride: Int, padding: Int) -> Int {
        (size + 2 * padding - kernel) / stride + 1
    }

    public static func forward(
        output: UnsafeMutablePointer<Float>,  // (batch, outH, outW, outChannels)
        columns: UnsafeMutablePointer<Float>,  // (batch·outH·outW, inChannels·k·k) scratch, kept for backward
        input: UnsafePointer<Float>,  // (batch, height, width, inChannels)
        weight: UnsafePointer<Float>,  // (outChannels, inChannels, k, k)
        bias: UnsafePointer<Float>?,  // (outChannels)
        batch: Int, height: Int, width: Int, inChannels: Int, outChannels: Int,
        kernel: Int, stride: Int, padding: Int
    ) {
        let outHeight = outputSize(height, kernel: kernel, stride: stride, padding: padding)
        let outWidth = outputSize(width, kernel: kernel, stride: stride, padding: padding)
        precondition(outHeight > 0 && outWidth > 0, "Conv2d: kernel larger than the padded image")
        let rows = batch * outHeight * outWidth
        let patch = inChannels * kernel * kernel
        let order = columnOrder(rows: rows, outChannels: outChannels)
        im2col(
            columns: columns, input: input, batch: batch, height: height, width: width, inChannels: inChannels,
            outHeight: outHeight, outWidth: outWidth, kernel: kernel, stride: stride, padding: padding, order: order)
        if let bias {
            Parallel.forEachRange(rows, costPerItem: outChannels) { range in
                for r in range { (output + r * outChannels).update(from: bias, count: outChannels) }
            }
        }
        withWeight(in: order, weight, outChannels: outChannels, inChannels: inChannels, taps: kernel * kernel) { w in
            BLAS.gemm(
                transposeA: false, transposeB: true, m: rows, n: outChannels, k: patch,
                a: columns, lda: patch, b: w, ldb: patch,
                beta: bias == nil ? 0 : 1, c: output, ldc: outChannels)
        }
    }

    /// dWeight += dOutᵀ · columns, dBias += Σ_rows dOut, and when dInput is given
    /// dColumns = dOut · W followed by col2im, which adds every column entry back to the input
    /// pixel it was copied from (dInput +=).
    ///
    /// `dColumns` (rows·K floats) is needed only with `dInput`. It may be the same memory as
    /// `columns`: columns are read (for dWeight) before dColumns is written, so afterwards the
    /// columns are gone.
    public static func backward(
        dInput: UnsafeMutablePointer<Float>?,  // (batch, height, width, inChannels), += ; nil: not needed
        dWeight: UnsafeMutablePointer<Float>,  // (outChannels, inChannels, k, k), +=
        dBias: UnsafeMutablePointer<Float>?,  // (outChannels), +=
        dColumns: UnsafeMutablePointer<Float>?,  // (batch·outH·outW, inChannels·k·k) scratch; with dInput
        dOutput: UnsafePointer<Float>,  // (batch, outH, outW, outChannels)
        columns: UnsafePointer<Float>,  // (batch·outH·outW, inChannels·k·k), from forward
        weight: UnsafePointer<Float>,  // (outChannels, inChannels, k, k)
        batch: Int, height: Int, width: Int, inChannels: Int, outChannels: Int,
        kernel: Int, stride: Int, padding: Int
    ) {
        let outHeight = outputSize(height, kernel: kernel, stride: stride, padding: padding)
        let outWidth = outputSize(width, kernel: kernel, stride: stride, padding: padding)
        let rows = batch * outHeight * outWidth
        let taps = kernel * kernel, patch = inChannels * taps
        let order = columnOrder(rows: rows, outChannels: outChannels)
        switch order {
        case .channelMajor:
            BLAS.gemm(
                transposeA: true, transposeB: false, m: outChannels, n: patch, k: rows,
                a: dOutput, lda: outChannels, b: columns, ldb: patch,
                beta: 1, c: dWeight, ldc: patch)
        case .tapMajor:
            // dW in (out, tap, in) order, then added into PyTorch's (out, in, tap).
            withUnsafeTemporaryAllocation(of: Float.self, capacity: outChannels * patch) { buffer in
                let permuted = buffer.baseAddress!
                BLAS.gemm(
                    transposeA: true, transposeB: false, m: outChannels, n: patch, k: rows,
                    a: dOutput, lda: outChannels, b: columns, ldb: patch,
                    beta: 0, c: permuted, ldc: patch)
                Parallel.forEach(outChannels, costPerItem: patch) { o in
                    let source = permuted + o * patch, target = dWeight + o * patch
                    for tap in 0..<taps {
                        for ci in 0..<inChannels { target[ci * taps + tap] += source[tap * inChannels + ci] }
                    }
                }
            }
        }
        if let dBias { ChannelTiles.addColumnSums(dBias, of: dOutput, rows: rows, channels: outChannels) }
        guard let dInput else { return }
        guard let dColumns else { preconditionFailure("Conv2d.backward: dInput needs dColumns scratch") }
        withWeight(in: order, weight, outChannels: outChannels, inChannels: inChannels, taps: taps) { w in
            BLAS.gemm(
                transposeA: false, transposeB: false, m: rows, n: patch, k: outChannels,
                a: dOutput, lda: outChannels, b: w, ldb: patch,
                beta: 0, c: dColumns, ldc: patch)
        }
        col2im(
            dInput: dInput, dColumns: dColumns, batch: batch, height: height, width: width,
            inChannels: inChannels, outHeight: outHeight, outWidth: outWidth,
            kernel: kernel, stride: stride, padding: padding, order: order)
    }

    /// Calls `body` with the weight as the (out, K) matrix for columns in `order`: the stored weight
    /// for `channelMajor`, a temporary (out, kh, kw, in) copy for `tapMajor`.
    static func withWeight(
        in order: ColumnOrder, _ weight: UnsafePointer<Float>, outChannels: Int, inChannels: Int, taps: Int,
        _ body: (UnsafePointer<Float>) -> Void
    ) {
        guard order == .tapMajor else { return body(weight) }
        let patch = inChannels * taps
        withUnsafeTemporaryAllocation(of: Float.self, capacity: outChannels * patch) { buffer in
            let permuted = buffer.baseAddress!
            Parallel.forEach(outChannels, costPerItem: patch) { o in
                let source = weight + o * patch, target = permuted + o * patch
                for ci in 0..<inChannels {
                    for tap in 0..<taps { target[tap * inChannels + ci] = source[ci * taps + tap] }
                }
            }
            body(UnsafePointer(permuted))
        }
    }

    /// columns[(b, oy, ox), column(ci, ky, kx)] = x[b, oy·s − p + ky, ox·s − p + kx, ci] (0 outside),
    /// the column index as `order` says; parallel over batch·outH. Public so a caller can rebuild
    /// the columns for `backward` instead of keeping them from `forward` (with
    /// `columnOrder(rows:outChannels:)`, the order forward and backward use).
    public static func im2col(
        columns: UnsafeMutablePointer<Float>,  // (batch·outH·outW, inChannels·k·k)
        input: UnsafePointer<Float>,  // (batch, height, width, inChannels)
        batch: Int, height: Int, width: Int, inChannels: Int,
        outHeight: Int, outWidth: Int, kernel: Int, stride: Int, padding: Int, order: ColumnOrder
    ) {
        let taps = kernel * kernel
        let patch = inChannels * taps
        Parallel.forEach(batch * outHeight, costPerItem: outWidth * patch) { item in
            let b = item / outHeight, oy = item % outHeight
            for ox in 0..<outWidth {
                let row = columns + (item * outWidth + ox) * patch
                let x0 = ox * stride - padding
                // Taps kx in first..<last read pixels inside the image.
                let first = max(0, -x0), last = min(kernel, width - x0)
                for ky in 0..<kernel {
                    let iy = oy * stride - padding + ky
                    let inside = iy >= 0 && iy < height && first < last
                    let pixels = input + ((b * height + iy) * width + x0) * inChannels  // tap kx at + kx·inC
                    switch order {
                    case .tapMajor:
                        // One kernel row's taps are one contiguous run in the columns and in the image.
                        let target = row + ky * kernel * inChannels
                        guard inside else {
                            target.update(repeating: 0, count: kernel * inChannels)
                            continue
                        }
                        target.update(repeating: 0, count: first * inChannels)
                        (target + first * inChannels).update(
                            from: pixels + first * inChannels, count: (last - first) * inChannels)
                        (target + last * inChannels).update(repeating: 0, count: (kernel - last) * inChannels)
                    case .channelMajor:
                        for kx in 0..<kernel {
                            let target = row + ky * kernel + kx
                            if inside && kx >= first && kx < last {
                                for ci in 0..<inChannels { target[ci * taps] = pixels[kx * inChannels + ci] }
                            } else {
                                for ci in 0..<inChannels { target[ci * taps] = 0 }
                            }
                        }
                    }
                }
            }
        }
    }

    /// The adjoint of im2col: dx[b, iy, ix, ci] += Σ dColumns[(b, oy, ox), column(ci, ky, kx)] over
    /// all (oy, ox, ky, kx) with oy·s − p + ky = iy and ox·s − p + kx = ix. Parallel over input rows
    /// batch·height, so each worker writes only its own rows (output rows overlap when s < k).
    static func col2im(
        dInput: UnsafeMutablePointer<Float>,  // (batch, height, width, inChannels), +=
        dColumns: UnsafePointer<Float>,  // (batch·outH·outW, inChannels·k·k)
        batch: Int, height: Int, width: Int, inChannels: Int,
        outHeight: Int, outWidth: Int, kernel: Int, stride: Int, padding: Int, order: ColumnOrder
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
                    let x0 = ox * stride - padding
                    let first = max(0, -x0), last = min(kernel, width - x0)
                    guard first < last else { continue }
                    let pixels = dRow + x0 * inChannels  // tap kx at + kx·inC
                    switch order {
                    case .tapMajor:
                        // A kernel row's taps: one contiguous run in both.
                        let source = column + ky * kernel * inChannels
                        for i in first * inChannels..<last * inChannels { pixels[i] += source[i] }
                    case .channelMajor:
                        for kx in first..<last {
                            let source = column + ky * kernel + kx
                            for ci in 0..<inChannels { pixels[kx * inChannels + ci] += source[ci * taps] }
                        }
                    }
                }
            }
        }
    }
}
