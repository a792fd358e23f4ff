// The plain twin of the selective scan: a sequential forward that stores every state and the
// reverse scan backward, straight from the formulas, for the tests of the fast kernel. Never in training.

import Foundation
import SimbaCore

/// The selective scan from its definition, one time step after another, independent of the kernel's code.
public enum SelectiveScanReference {
    /// Plain sequential forward that stores every state: `states` (batch, length, dInner, dState).
    /// Same formula and arguments as `forward`; for tests.
    public static func forward(
        y: UnsafeMutablePointer<Float>,  // (batch, length, dInner)
        states: UnsafeMutablePointer<Float>,  // (batch, length, dInner, dState)
        x: UnsafePointer<Float>,  // (batch, length, dInner)
        delta: UnsafePointer<Float>,  // (batch, length, dInner)
        a: UnsafePointer<Float>,  // (dInner, dState)
        b: UnsafePointer<Float>,  // (batch·length) rows of stride bcStride
        c: UnsafePointer<Float>,  // (batch·length) rows of stride bcStride
        d: UnsafePointer<Float>,  // (dInner)
        bcStride: Int,
        batch: Int, length: Int, dInner: Int, dState: Int
    ) {
        for bi in 0..<batch {
            for channel in 0..<dInner {
                for t in 0..<length {
                    let row = bi * length + t
                    let dt = delta[row * dInner + channel], xt = x[row * dInner + channel]
                    var out = d[channel] * xt
                    for n in 0..<dState {
                        let previous = t == 0 ? 0 : states[((row - 1) * dInner + channel) * dState + n]
                        let h = expf(dt * a[channel * dState + n]) * previous + dt * b[row * bcStride + n] * xt
                        states[(row * dInner + channel) * dState + n] = h
                        out += c[row * bcStride + n] * h
                    }
                    y[row * dInner + channel] = out
                }
            }
        }
    }

    /// Plain sequential backward from the full `states` of `referenceForward`; accumulates (`+=`)
    /// like `backward`.
    public static func backward(
        dX: UnsafeMutablePointer<Float>,  // (batch, length, dInner), +=
        dDelta: UnsafeMutablePointer<Float>,  // (batch, length, dInner), +=
        dA: UnsafeMutablePointer<Float>,  // (dInner, dState), +=
        dB: UnsafeMutablePointer<Float>,  // (batch·length) rows of stride bcStride, +=
        dC: UnsafeMutablePointer<Float>,  // (batch·length) rows of stride bcStride, +=
        dD: UnsafeMutablePointer<Float>,  // (dInner), +=
        dY: UnsafePointer<Float>,  // (batch, length, dInner)
        states: UnsafePointer<Float>,  // (batch, length, dInner, dState)
        x: UnsafePointer<Float>,  // (batch, length, dInner)
        delta: UnsafePointer<Float>,  // (batch, length, dInner)
        a: UnsafePointer<Float>,  // (dInner, dState)
        b: UnsafePointer<Float>,  // (batch·length) rows of stride bcStride
        c: UnsafePointer<Float>,  // (batch·length) rows of stride bcStride
        d: UnsafePointer<Float>,  // (dInner)
        bcStride: Int,
        batch: Int, length: Int, dInner: Int, dState: Int
    ) {
        for bi in 0..<batch {
            for channel in 0..<dInner {
                for n in 0..<dState {
                    let an = a[channel * dState + n]
                    var carry: Float = 0  // exp(delta_{t+1}·A)·dh_{t+1}
                    for t in (0..<length).reversed() {
                        let row = bi * length + t, i = row * dInner + channel
                        let dt = delta[i], xt = x[i], dy = dY[i]
                        let h = states[i * dState + n]
                        let previous = t == 0 ? 0 : states[(i - dInner) * dState + n]
                        let e = expf(dt * an)
                        let dh = c[row * bcStride + n] * dy + carry
                        dC[row * bcStride + n] += dy * h
                        dB[row * bcStride + n] += dh * dt * xt
                        dX[i] += dh * dt * b[row * bcStride + n]
                        dDelta[i] += dh * (an * e * previous + b[row * bcStride + n] * xt)
                        dA[channel * dState + n] += dh * dt * e * previous
                        carry = e * dh
                    }
                }
                for t in 0..<length {
                    let i = (bi * length + t) * dInner + channel
                    dX[i] += d[channel] * dY[i]
                    dD[channel] += dY[i] * x[i]
                }
            }
        }
    }
}
