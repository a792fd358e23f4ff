// A line chart rendered onto a Canvas and written as PNG: title, numeric or UTC-time x axis, nice y
// ticks, light grid, coloured (optionally dashed) series, legend and a vertical marker. No log axes.

import SimbaData

/// One line of a chart. Points with a non-finite y are gaps (the line is broken there).
public struct ChartSeries {
    public var label: String
    /// Index or seconds since 1970-01-01 UTC, as the chart's `xAxis` says; same count as `y`.
    public var x: [Double]
    public var y: [Double]
    public var color: RGB
    public var dashed: Bool

    public init(label: String, x: [Double], y: [Double], color: RGB, dashed: Bool = false) {
        precondition(x.count == y.count, "series \(label): \(x.count) x values but \(y.count) y values")
        self.label = label
        self.x = x
        self.y = y
        self.color = color
        self.dashed = dashed
    }
}

/// A labelled vertical line, e.g. where the forecast starts.
public struct ChartMarker {
    public var x: Double
    public var label: String
    public init(x: Double, label: String) {
        self.x = x
        self.label = label
    }
}

/// A line chart (default 1000×500). The x axis spans the data exactly; the y axis is widened to
/// nice 1-2-5 ticks around the finite data (or set `yRange`). Text is the 5×7 font at scale 2.
public struct LineChart {
    public enum XAxis { case index, time }

    public var title: String
    public var series: [ChartSeries]
    /// `.time`: x values are seconds since 1970-01-01 UTC, labelled as dates/times in UTC.
    public var xAxis: XAxis
    public var marker: ChartMarker?
    public var width: Int
    public var height: Int
    /// Fixed y axis bounds instead of the data's; lines outside are clipped.
    public var yRange: ClosedRange<Double>?

    public init(
        title: String, series: [ChartSeries], xAxis: XAxis = .index, marker: ChartMarker? = nil,
        width: Int = 1000, height: Int = 500, yRange: ClosedRange<Double>? = nil
    ) {
        self.title = title
        self.series = series
        self.xAxis = xAxis
        self.marker = marker
        self.width = width
        self.height = height
        self.yRange = yRange
    }

    static let textScale = 2
    static let tickLength = 6
    static let gridColor = RGB(228, 228, 228)
    static let axisColor = RGB(60, 60, 60)
    static let textColor = RGB(30, 30, 30)
    static let markerColor = RGB(110, 110, 110)

    /// Where the plot area sits and how data maps to pixel coordinates.
    public struct Layout {
        /// The plot area: pixels x in plotX..<plotX+plotWidth, y in plotY..<plotY+plotHeight.
        public let plotX: Int, plotY: Int, plotWidth: Int, plotHeight: Int
        public let xRange: ClosedRange<Double>
        public let yRange: ClosedRange<Double>
        public let yTicks: [(value: Double, label: String)]
        public let xTicks: [(value: Double, label: String)]

        /// Horizontal pixel coordinate of `x`: the plot's left edge at xRange's lower bound, right edge at its upper.
        public func column(_ x: Double) -> Double {
            Double(plotX) + (x - xRange.lowerBound) / (xRange.upperBound - xRange.lowerBound) * Double(plotWidth)
        }

        /// Vertical pixel coordinate of `y`: the plot's bottom edge at yRange's lower bound, top edge at its upper.
        public func row(_ y: Double) -> Double {
            Double(plotY) + (yRange.upperBound - y) / (yRange.upperBound - yRange.lowerBound) * Double(plotHeight)
        }
    }

    /// Axis ranges, ticks and the plot area for this chart's data and size.
    public func layout() -> Layout {
        let scale = Self.textScale
        let textHeight = Canvas.textHeight(scale: scale)
        let xs = series.flatMap { s in zip(s.x, s.y).filter { $0.0.isFinite && $0.1.isFinite }.map(\.0) }
        let ys = series.flatMap { $0.y.filter(\.isFinite) }
        var xLow = xs.min() ?? 0, xHigh = xs.max() ?? 1
        if xLow == xHigh { (xLow, xHigh) = (xLow - (xAxis == .time ? 3600 : 1), xHigh + (xAxis == .time ? 3600 : 1)) }

        let top = 16 + textHeight + 18
        let bottom = Self.tickLength + 8 + textHeight + 16
        let plotHeight = max(height - top - bottom, 10)
        let yAxis: (lower: Double, upper: Double, step: Double, ticks: [Double])
        if let yRange {
            let step = NiceTicks.step(span: yRange.upperBound - yRange.lowerBound, targetCount: max(plotHeight / 60, 2))
            yAxis = (
                yRange.lowerBound, yRange.upperBound, step,
                NiceTicks.ticks(inside: yRange.lowerBound, yRange.upperBound, step: step)
            )
        } else {
            yAxis = NiceTicks.axis(lower: ys.min() ?? 0, upper: ys.max() ?? 1, targetCount: max(plotHeight / 60, 2))
        }
        let yTicks = yAxis.ticks.map { ($0, NiceTicks.label($0, step: yAxis.step)) }
        let yLabelWidth = yTicks.map { Canvas.textWidth($0.1, scale: scale) }.max() ?? 0
        let left = 16 + yLabelWidth + Self.tickLength + 6
        let plotWidth = max(width - left - 28, 10)

        let xTicks: [(Double, String)]
        switch xAxis {
        case .time:
            xTicks = TimeTicks.ticks(lower: xLow, upper: xHigh, targetCount: max(plotWidth / 150, 2)).map {
                ($0.time, $0.label)
            }
        case .index:
            let widest = max(
                Canvas.textWidth(String(Int(xLow)), scale: scale), Canvas.textWidth(String(Int(xHigh)), scale: scale))
            let step = NiceTicks.step(span: xHigh - xLow, targetCount: max(plotWidth / (widest + 60), 2))
            xTicks = NiceTicks.ticks(inside: xLow, xHigh, step: step).map { ($0, NiceTicks.label($0, step: step)) }
        }
        return Layout(
            plotX: left, plotY: top, plotWidth: plotWidth, plotHeight: plotHeight,
            xRange: xLow...xHigh, yRange: yAxis.lower...yAxis.upper, yTicks: yTicks, xTicks: xTicks)
    }

    /// Draws the chart.
    public func render() -> Canvas {
        let scale = Self.textScale
        let textHeight = Canvas.textHeight(scale: scale)
        let l = layout()
        var canvas = Canvas(width: width, height: height)
        let plotRight = l.plotX + l.plotWidth, plotBottom = l.plotY + l.plotHeight

        for tick in l.yTicks {
            let y = Int(l.row(tick.value).rounded(.down))
            canvas.fillRect(x: l.plotX, y: y, width: l.plotWidth, height: 1, Self.gridColor)
            canvas.fillRect(x: l.plotX - Self.tickLength, y: y, width: Self.tickLength, height: 1, Self.axisColor)
            let labelWidth = Canvas.textWidth(tick.label, scale: scale)
            canvas.drawText(
                tick.label, x: l.plotX - Self.tickLength - 6 - labelWidth, y: y - textHeight / 2, Self.textColor,
                scale: scale)
        }
        for tick in l.xTicks {
            let x = Int(l.column(tick.value).rounded(.down))
            canvas.fillRect(x: x, y: l.plotY, width: 1, height: l.plotHeight, Self.gridColor)
            canvas.fillRect(x: x, y: plotBottom, width: 1, height: Self.tickLength, Self.axisColor)
            let labelWidth = Canvas.textWidth(tick.label, scale: scale)
            let labelX = min(max(x - labelWidth / 2, 2), width - labelWidth - 2)
            canvas.drawText(tick.label, x: labelX, y: plotBottom + Self.tickLength + 8, Self.textColor, scale: scale)
        }

        canvas.clip = (l.plotX..<plotRight, l.plotY..<plotBottom)
        if let marker, l.xRange.contains(marker.x) {
            let x = l.column(marker.x)
            canvas.drawPolyline(
                [(x, Double(l.plotY)), (x, Double(plotBottom))], Self.markerColor, lineWidth: 1.5, dash: (6, 5))
            let labelWidth = Canvas.textWidth(marker.label, scale: scale)
            let fitsRight = Int(x) + 8 + labelWidth < plotRight - 4
            canvas.drawText(
                marker.label, x: fitsRight ? Int(x) + 8 : Int(x) - 8 - labelWidth, y: plotBottom - textHeight - 8,
                Self.markerColor, scale: scale)
        }
        for s in series {
            let points = zip(s.x, s.y).map {
                (x: $0.isFinite && $1.isFinite ? l.column($0) : .nan, y: $1.isFinite ? l.row($1) : .nan)
            }
            canvas.drawPolyline(points, s.color, lineWidth: 2, dash: s.dashed ? (9, 6) : nil)
        }
        canvas.clip = (0..<width, 0..<height)
        canvas.strokeRect(
            x: l.plotX - 1, y: l.plotY - 1, width: l.plotWidth + 2, height: l.plotHeight + 2, Self.axisColor)

        drawLegend(on: &canvas, layout: l)
        let titleWidth = Canvas.textWidth(title, scale: scale)
        canvas.drawText(title, x: max((width - titleWidth) / 2, 4), y: 16, Self.textColor, scale: scale)
        return canvas
    }

    /// Renders the chart and writes it as a PNG, replacing `path` atomically.
    public func write(to path: String) throws {
        try PNG.write(render().image, to: path)
    }

    /// A white box in the plot corner that hides the fewest data points (top-left, top-right,
    /// bottom-left, bottom-right on ties): a line sample (dashed if the series is) and the label per series.
    private func drawLegend(on canvas: inout Canvas, layout l: Layout) {
        let labelled = series.filter { !$0.label.isEmpty }
        guard !labelled.isEmpty else { return }
        let scale = Self.textScale
        let textHeight = Canvas.textHeight(scale: scale)
        let rowHeight = textHeight + 10, sample = 32, padding = 10
        let labelWidth = labelled.map { Canvas.textWidth($0.label, scale: scale) }.max()!
        let boxWidth = padding + sample + 8 + labelWidth + padding
        let boxHeight = padding + rowHeight * labelled.count - 10 + padding
        let lefts = [l.plotX + 12, l.plotX + l.plotWidth - 12 - boxWidth]
        let tops = [l.plotY + 12, l.plotY + l.plotHeight - 12 - boxHeight]
        let corners = tops.flatMap { top in lefts.map { (x: $0, y: top) } }
        let samples = series.flatMap { s in
            zip(s.x, s.y).filter { $0.0.isFinite && $0.1.isFinite }.map { (x: l.column($0.0), y: l.row($0.1)) }
        }
        func hidden(_ corner: (x: Int, y: Int)) -> Int {
            samples.filter {
                Double(corner.x) <= $0.x && $0.x < Double(corner.x + boxWidth)
                    && Double(corner.y) <= $0.y && $0.y < Double(corner.y + boxHeight)
            }.count
        }
        let counts = corners.map(hidden)
        let (boxX, boxY) = corners[counts.firstIndex(of: counts.min()!)!]
        canvas.fillRect(x: boxX, y: boxY, width: boxWidth, height: boxHeight, .white)
        canvas.strokeRect(x: boxX, y: boxY, width: boxWidth, height: boxHeight, RGB(170, 170, 170))
        for (i, s) in labelled.enumerated() {
            let top = boxY + padding + i * rowHeight
            let middle = Double(top) + Double(textHeight) / 2
            let x0 = Double(boxX + padding)
            canvas.drawPolyline(
                [(x0, middle), (x0 + Double(sample), middle)], s.color, lineWidth: 2, dash: s.dashed ? (9, 6) : nil)
            canvas.drawText(s.label, x: boxX + padding + sample + 8, y: top, Self.textColor, scale: scale)
        }
    }
}
