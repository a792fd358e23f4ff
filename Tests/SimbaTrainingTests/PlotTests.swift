// Tick computation, bitmap text, line placement and PNG output of the line chart. It does not
// compare whole images against stored references.

import Foundation
import SimbaData
import SimbaTraining
import Testing

/// 2018-06-20 00:00:00 UTC in seconds since 1970.
private let june20: Double = 1_529_452_800

/// An hourly history, a forecast and the truth over the forecast, like `simba forecast` draws.
private func forecastChart() -> LineChart {
    let history = 336, horizon = 96
    let times = (0..<(history + horizon)).map { june20 + Double($0) * 3600 }
    let signal = times.indices.map { 12 + 6 * sin(Double($0) * 2 * .pi / 24) + Double($0) * 0.01 }
    let forecast = times.indices.map { $0 < history ? Double.nan : signal[$0] + 1.5 * cos(Double($0) * 0.3) }
    return LineChart(
        title: "ETTh1  OT  (input 336, horizon 96)",
        series: [
            ChartSeries(
                label: "history", x: Array(times[..<history]), y: Array(signal[..<history]), color: RGB.tab10[0]),
            ChartSeries(label: "truth", x: Array(times[history...]), y: Array(signal[history...]), color: RGB.tab10[2]),
            ChartSeries(label: "forecast", x: times, y: forecast, color: RGB.tab10[1], dashed: true)
        ],
        xAxis: .time,
        marker: ChartMarker(x: times[history], label: "forecast start"))
}

@Suite struct NiceTicksTests {
    @Test(arguments: [
        (10.0, 5, 2.0), (1, 5, 0.2), (7.3, 6, 2), (0.03, 6, 0.005), (100, 10, 10), (4500, 6, 1000), (3, 6, 0.5)
    ])
    func stepIsSmallestOneTwoFive(span: Double, count: Int, expected: Double) {
        let step = NiceTicks.step(span: span, targetCount: count)
        #expect(abs(step - expected) <= 1e-12 * expected, "span \(span), \(count) ticks: step \(step)")
    }

    @Test func axisIsWidenedToMultiplesOfTheStep() {
        let a = NiceTicks.axis(lower: 0.3, upper: 9.7, targetCount: 5)
        #expect(a.lower == 0 && a.upper == 10 && a.step == 2 && a.ticks == [0, 2, 4, 6, 8, 10])
        let b = NiceTicks.axis(lower: -3.2, upper: 4.1, targetCount: 6)
        #expect(b.lower == -4 && b.upper == 6 && b.ticks.count == 6)
        let c = NiceTicks.axis(lower: 5, upper: 5, targetCount: 6)
        #expect(abs(c.lower - 4.7) < 1e-9 && abs(c.upper - 5.3) < 1e-9 && abs(c.step - 0.1) < 1e-12)
        #expect(NiceTicks.ticks(inside: 0.5, 3.5, step: 1) == [1, 2, 3])
    }

    @Test func labelsUseTheStepsDecimals() {
        #expect(NiceTicks.label(0.1 + 0.2, step: 0.1) == "0.3")
        #expect(NiceTicks.label(-1e-17, step: 0.1) == "0.0")
        #expect(NiceTicks.label(1000, step: 500) == "1000")
        #expect(NiceTicks.label(1, step: 1) == "1")
        #expect(NiceTicks.label(0.35, step: 0.05) == "0.35")
        #expect(NiceTicks.label(2.5e6, step: 5e5) == "2.5e+06")
    }

    @Test func timeTicksFollowTheSpan() {
        let days = TimeTicks.ticks(lower: june20, upper: june20 + 10 * 86400, targetCount: 6)
        #expect(
            days.map(\.label) == ["2018-06-20", "2018-06-22", "2018-06-24", "2018-06-26", "2018-06-28", "2018-06-30"])
        let hours = TimeTicks.ticks(lower: june20 + 8 * 3600, upper: june20 + 20 * 3600, targetCount: 6)
        #expect(hours.first?.label == "06-20 08:00" && hours.last?.label == "06-20 20:00" && hours.count == 7)
        let months = TimeTicks.ticks(lower: june20, upper: june20 + 2 * 365 * 86400, targetCount: 6)
        #expect(months.map(\.label) == ["2018-07", "2019-01", "2019-07", "2020-01"])
    }
}

@Suite struct CanvasTests {
    @Test func textSetsExactlyTheGlyphPixels() {
        var canvas = Canvas(width: 40, height: 30)
        canvas.drawText("8", x: 10, y: 10, .black, scale: 2)
        // "8" is columns 0x36 0x49 0x49 0x49 0x36: 4 + 3·3 + 4 = 17 font pixels, each 2×2.
        let dark = (0..<30).flatMap { y in (0..<40).map { (x: $0, y: y) } }.filter {
            canvas.pixel(x: $0.x, y: $0.y) == .black
        }
        #expect(dark.count == 17 * 4)
        #expect(dark.allSatisfy { (10..<20).contains($0.x) && (10..<24).contains($0.y) })
        #expect(canvas.pixel(x: 10, y: 10) == .white)  // column 0, row 0 is blank in "8"
        #expect(canvas.pixel(x: 10, y: 12) == .black)  // column 0, row 1 is set
        #expect(Canvas.textWidth("8", scale: 2) == 10 && Canvas.textWidth("-1.5", scale: 1) == 23)
    }

    @Test func lineCoversItsWidth() {
        var canvas = Canvas(width: 20, height: 20)
        canvas.drawLine(from: (2, 10), to: (18, 10), .black, lineWidth: 2)
        #expect(canvas.pixel(x: 10, y: 9) == .black && canvas.pixel(x: 10, y: 10) == .black)
        #expect(canvas.pixel(x: 10, y: 8) == .white && canvas.pixel(x: 10, y: 11) == .white)
    }
}

@Suite struct LineChartTests {
    /// A ramp 0…10 fixes the y axis at exactly 0…10; the constant 5 must sit at its middle row.
    @Test func constantSeriesIsDrawnAtItsRow() {
        let x = (0...10).map(Double.init)
        let level = RGB(200, 0, 200)
        let chart = LineChart(
            title: "constant",
            series: [
                ChartSeries(label: "ramp", x: x, y: x, color: RGB.tab10[0]),
                ChartSeries(label: "level", x: x, y: x.map { _ in 5 }, color: level)
            ])
        let layout = chart.layout()
        #expect(layout.yRange == 0...10)
        let expectedRow = Double(layout.plotY) + Double(layout.plotHeight) / 2
        #expect(layout.row(5) == expectedRow)
        let canvas = chart.render()
        let column = Int(layout.column(7.3))
        let rows = (layout.plotY..<(layout.plotY + layout.plotHeight)).filter {
            canvas.pixel(x: column, y: $0) == level
        }
        #expect(!rows.isEmpty)
        #expect(
            rows.allSatisfy { abs(Double($0) + 0.5 - expectedRow) <= 1 },
            "level drawn at rows \(rows), want \(expectedRow)")
    }

    @Test func pngDecodesWithTheChartsSize() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("simba-plot-\(UUID().uuidString)")
            .path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let chart = forecastChart()
        try chart.write(to: folder + "/forecast.png")
        let decoded = try ImageDecoder.decode(path: folder + "/forecast.png")
        #expect(decoded.width == 1000 && decoded.height == 500)
        #expect(decoded.pixels == chart.render().pixels)
    }
}
