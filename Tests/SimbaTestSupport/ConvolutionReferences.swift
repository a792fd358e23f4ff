// Plain twins of the convolution kernels: direct loops with double accumulators, for the tests of
// the im2col, direct and tiled paths. Slow; never used in training.

/// 2-D convolution from its definition (PyTorch's `nn.Conv2d`, channels-last input and output).
public enum Conv2dReference {
    /// Plain direct convolution, the twin the im2col path is tested against (double accumulators).
    public static func forward(
        output: UnsafeMutablePointer<Float>,  // (batch, outH, outW, outChannels)
        input: UnsafePointer<Float>,  // (batch, height, width, inChannels)
        weight: UnsafePointer<Float>,  // (outChannels, inChannels, k, k)
        bias: UnsafePointer<Float>?,  // (outChannels)
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

    /// (size + 2·padding − kernel)/stride + 1.
    static func outputSize(_ size: Int, kernel: Int, stride: Int, padding: Int) -> Int {
        (size + 2 * padding - kernel) / stride + 1
    }
}

/// Depthwise 3×3 convolution with padding 1 from its definition (`nn.Conv2d(groups=channels)`).
public enum DepthwiseConv2dReference {
    /// Plain loops over every output element, the twin the tiled forward is tested against.
    public static func forward(
        output: UnsafeMutablePointer<Float>,  // (batch, height, width, channels)
        input: UnsafePointer<Float>,  // (batch, height, width, channels)
        weight: UnsafePointer<Float>,  // (channels, 1, 3, 3)
        bias: UnsafePointer<Float>,  // (channels)
        batch: Int, height: Int, width: Int, channels: Int
    ) {
        for b in 0..<batch {
            for y in 0..<height {
                for x in 0..<width {
                    for c in 0..<channels {
                        var sum = Double(bias[c])
                        for ky in 0..<3 {
                            for kx in 0..<3 {
                                let iy = y + ky - 1, ix = x + kx - 1
                                guard iy >= 0 && iy < height && ix >= 0 && ix < width else { continue }
                                sum +=
                                    Double(weight[c * 9 + ky * 3 + kx])
                                    * Double(input[((b * height + iy) * width + ix) * channels + c])
                            }
                        }
                        output[((b * height + y) * width + x) * channels + c] = Float(sum)
                    }
                }
            }
        }
    }
}
