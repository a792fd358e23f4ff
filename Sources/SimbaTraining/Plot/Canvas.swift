// An RGB8 raster with the few drawing operations a line chart needs: rectangles, anti-aliased thick
// (optionally dashed) lines and 5×7 bitmap text. No curves, fills of shapes or transparency layers.

import SimbaData

/// An 8-bit sRGB colour.
public struct RGB: Equatable, Sendable {
    public var r: UInt8, g: UInt8, b: UInt8
    public init(_ r: UInt8, _ g: UInt8, _ b: UInt8) { (self.r, self.g, self.b) = (r, g, b) }

    public static let white = RGB(255, 255, 255)
    public static let black = RGB(0, 0, 0)
    /// matplotlib's "tab10" colours in order: blue, orange, green, red, purple, brown, pink, gray, olive, cyan.
    public static let tab10: [RGB] = [
        RGB(31, 119, 180), RGB(255, 127, 14), RGB(44, 160, 44), RGB(214, 39, 40), RGB(148, 103, 189),
        RGB(140, 86, 75), RGB(227, 119, 194), RGB(127, 127, 127), RGB(188, 189, 34), RGB(23, 190, 207)
    ]
}

/// A `width`×`height` RGB raster, row 0 at the top; pixel (x, y) covers [x, x+1)×[y, y+1), centre (x+½, y+½).
/// Drawing is limited to `clip` (the whole canvas unless set).
public struct Canvas {
    public let width: Int
    public let height: Int
    /// (height, width, 3) row-major.
    public private(set) var pixels: [UInt8]
    /// Drawing touches only pixels with x in `clip.x`, y in `clip.y`.
    public var clip: (x: Range<Int>, y: Range<Int>)

    public init(width: Int, height: Int, background: RGB = .white) {
        precondition(width > 0 && height > 0, "canvas size \(width)×\(height) must be positive")
        self.width = width
        self.height = height
        pixels = [UInt8](repeating: 0, count: width * height * 3)
        clip = (0..<width, 0..<height)
        fill(background)
    }

    /// The canvas as an RGB `ByteImage` (for `PNG.encode`).
    public var image: ByteImage { ByteImage(width: width, height: height, channels: 3, pixels: pixels) }

    public func pixel(x: Int, y: Int) -> RGB {
        let i = (y * width + x) * 3
        return RGB(pixels[i], pixels[i + 1], pixels[i + 2])
    }

    /// Sets every pixel, ignoring `clip`.
    public mutating func fill(_ color: RGB) {
        for i in 0..<(width * height) {
            pixels[3 * i] = color.r
            pixels[3 * i + 1] = color.g
            pixels[3 * i + 2] = color.b
        }
    }

    /// Mixes `color` into pixel (x, y) with weight `coverage` in 0…1 (1 replaces it); outside `clip` nothing happens.
    public mutating func blend(x: Int, y: Int, _ color: RGB, coverage: Double) {
        guard clip.x.contains(x), clip.y.contains(y), coverage > 0 else { return }
        let a = min(coverage, 1)
        let i = (y * width + x) * 3
        func mix(_ old: UInt8, _ new: UInt8) -> UInt8 { UInt8((Double(old) * (1 - a) + Double(new) * a).rounded()) }
        pixels[i] = mix(pixels[i], color.r)
        pixels[i + 1] = mix(pixels[i + 1], color.g)
        pixels[i + 2] = mix(pixels[i + 2], color.b)
    }

    /// Fills the pixels x in x0..<x0+w, y in y0..<y0+h.
    public mutating func fillRect(x: Int, y: Int, width w: Int, height h: Int, _ color: RGB) {
        let rows = max(y, clip.y.lowerBound)..<max(min(y + h, clip.y.upperBound), max(y, clip.y.lowerBound))
        let columns = max(x, clip.x.lowerBound)..<max(min(x + w, clip.x.upperBound), max(x, clip.x.lowerBound))
        for row in rows {
            for column in columns { blend(x: column, y: row, color, coverage: 1) }
        }
    }

    /// A one-pixel outline just inside the rectangle x0..<x0+w, y0..<y0+h.
    public mutating func strokeRect(x: Int, y: Int, width w: Int, height h: Int, _ color: RGB) {
        fillRect(x: x, y: y, width: w, height: 1, color)
        fillRect(x: x, y: y + h - 1, width: w, height: 1, color)
        fillRect(x: x, y: y, width: 1, height: h, color)
        fillRect(x: x + w - 1, y: y, width: 1, height: h, color)
    }

    /// An anti-aliased segment of thickness `lineWidth` pixels with round ends: each pixel is covered by
    /// clamp(lineWidth/2 + ½ − distance from its centre to the segment, 0, 1).
    public mutating func drawLine(
        from a: (x: Double, y: Double), to b: (x: Double, y: Double), _ color: RGB, lineWidth: Double = 2
    ) {
        let half = lineWidth / 2
        let reach = half + 1
        let x0 = max(Int((min(a.x, b.x) - reach).rounded(.down)), clip.x.lowerBound)
        let x1 = min(Int((max(a.x, b.x) + reach).rounded(.up)), clip.x.upperBound - 1)
        let y0 = max(Int((min(a.y, b.y) - reach).rounded(.down)), clip.y.lowerBound)
        let y1 = min(Int((max(a.y, b.y) + reach).rounded(.up)), clip.y.upperBound - 1)
        guard x0 <= x1, y0 <= y1 else { return }
        let dx = b.x - a.x, dy = b.y - a.y
        let lengthSquared = dx * dx + dy * dy
        for y in y0...y1 {
            for x in x0...x1 {
                let px = Double(x) + 0.5, py = Double(y) + 0.5
                let t = lengthSquared > 0 ? min(max(((px - a.x) * dx + (py - a.y) * dy) / lengthSquared, 0), 1) : 0
                let ex = px - (a.x + t * dx), ey = py - (a.y + t * dy)
                blend(x: x, y: y, color, coverage: half + 0.5 - (ex * ex + ey * ey).squareRoot())
            }
        }
    }

    /// Connects consecutive `points`; a non-finite coordinate breaks the line there. With `dash`
    /// (on, off) lengths in pixels, the pattern runs continuously along the whole polyline.
    public mutating func drawPolyline(
        _ points: [(x: Double, y: Double)], _ color: RGB, lineWidth: Double = 2,
        dash: (on: Double, off: Double)? = nil
    ) {
        var travelled = 0.0
        for (a, b) in zip(points, points.dropFirst()) {
            guard a.x.isFinite, a.y.isFinite, b.x.isFinite, b.y.isFinite else { continue }
            guard let dash else {
                drawLine(from: a, to: b, color, lineWidth: lineWidth)
                continue
            }
            let length = ((b.x - a.x) * (b.x - a.x) + (b.y - a.y) * (b.y - a.y)).squareRoot()
            var start = 0.0
            while start < length {
                let phase = travelled.truncatingRemainder(dividingBy: dash.on + dash.off)
                let isOn = phase < dash.on
                let step = min(isOn ? dash.on - phase : dash.on + dash.off - phase, length - start)
                if isOn {
                    let t0 = start / length, t1 = (start + step) / length
                    drawLine(
                        from: (a.x + t0 * (b.x - a.x), a.y + t0 * (b.y - a.y)),
                        to: (a.x + t1 * (b.x - a.x), a.y + t1 * (b.y - a.y)), color, lineWidth: lineWidth)
                }
                start += step
                travelled += step
            }
        }
    }

    /// Width in pixels of `text` drawn at `scale` (the last character's blank column not counted).
    public static func textWidth(_ text: String, scale: Int) -> Int {
        text.isEmpty ? 0 : (text.count * BitmapFont.advance - 1) * scale
    }

    /// Height in pixels of one line of text at `scale`.
    public static func textHeight(scale: Int) -> Int { BitmapFont.glyphHeight * scale }

    /// Draws `text` with the 5×7 font, each font pixel a `scale`×`scale` square, top-left corner at (x, y).
    public mutating func drawText(_ text: String, x: Int, y: Int, _ color: RGB, scale: Int = 2) {
        precondition(scale >= 1, "text scale must be at least 1")
        var left = x
        for character in text {
            let columns = BitmapFont.columns(of: character)
            for (c, bits) in columns.enumerated() {
                for row in 0..<BitmapFont.glyphHeight where bits >> row & 1 == 1 {
                    fillRect(x: left + c * scale, y: y + row * scale, width: scale, height: scale, color)
                }
            }
            left += BitmapFont.advance * scale
        }
    }
}
