// Axis tick positions and labels: "nice" 1-2-5 steps for numbers and calendar-aligned steps for
// UTC timestamps. It does not place them on a canvas; LineChart does.

import Foundation

/// Tick values at multiples of a step from the 1-2-5 sequence (…, 0.5, 1, 2, 5, 10, …).
public enum NiceTicks {
    /// The smallest 1-2-5 step s with span/s ≤ `targetCount` (span > 0).
    public static func step(span: Double, targetCount: Int) -> Double {
        precondition(span > 0 && span.isFinite && targetCount >= 1, "need a positive finite span and count")
        let raw = span / Double(targetCount)
        let magnitude = pow(10, (log10(raw)).rounded(.down))
        let fraction = raw / magnitude
        let nice: Double = fraction <= 1 + 1e-9 ? 1 : fraction <= 2 + 1e-9 ? 2 : fraction <= 5 + 1e-9 ? 5 : 10
        return nice * magnitude
    }

    /// Axis bounds widened outward to multiples of the step, and the ticks from lower to upper.
    /// An empty span (lower == upper) is widened to ±5% of the value (±1 around 0) first.
    public static func axis(lower: Double, upper: Double, targetCount: Int = 6) -> (
        lower: Double, upper: Double, step: Double, ticks: [Double]
    ) {
        precondition(lower <= upper && lower.isFinite && upper.isFinite, "axis bounds must be finite and ordered")
        var (low, high) = (lower, upper)
        if low == high {
            let pad = low == 0 ? 1 : abs(low) * 0.05
            (low, high) = (low - pad, high + pad)
        }
        let step = step(span: high - low, targetCount: targetCount)
        let kLow = Int((low / step + 1e-9).rounded(.down)), kHigh = Int((high / step - 1e-9).rounded(.up))
        let ticks = (kLow...kHigh).map { Double($0) * step }
        return (ticks.first!, ticks.last!, step, ticks)
    }

    /// The multiples of `step` inside lower…upper (for an axis that keeps the data's exact range).
    public static func ticks(inside lower: Double, _ upper: Double, step: Double) -> [Double] {
        let kLow = Int((lower / step - 1e-9).rounded(.up)), kHigh = Int((upper / step + 1e-9).rounded(.down))
        return kLow <= kHigh ? (kLow...kHigh).map { Double($0) * step } : []
    }

    /// `value` with as many decimals as `step` needs (step 5 → 0, 0.5 → 1, 0.05 → 2);
    /// scientific notation when |value| ≥ 10⁶ or the step is below 10⁻⁴.
    public static func label(_ value: Double, step: Double) -> String {
        let clean = abs(value) < step * 1e-6 ? 0 : value
        if abs(clean) >= 1e6 || step < 1e-4 { return String(format: "%.3g", clean) }
        let decimals = max(0, Int((-log10(step) - 1e-9).rounded(.up)))
        return String(format: "%.\(decimals)f", clean)
    }
}

/// Ticks for seconds since 1970-01-01 UTC: steps of seconds, minutes, hours, days, months or years,
/// aligned to the calendar in UTC, with labels whose precision follows the step.
public enum TimeTicks {
    private static let fixedSteps: [Double] = [
        1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800,
        3600, 7200, 10800, 21600, 43200, 86400, 172_800, 259_200, 604_800, 1_209_600
    ]
    private static let monthSteps = [1, 2, 3, 6, 12, 24, 60, 120, 240, 600]

    /// Tick times in lower…upper and their labels: "HH:mm:ss" below a minute, "MM-dd HH:mm" below a day,
    /// "yyyy-MM-dd" for day steps, "yyyy-MM" for month steps, "yyyy" for year steps. At most `targetCount` ticks.
    public static func ticks(lower: Double, upper: Double, targetCount: Int = 6) -> [(time: Double, label: String)] {
        precondition(lower <= upper && targetCount >= 1, "time axis bounds must be ordered")
        let span = max(upper - lower, 1)
        if let step = fixedSteps.first(where: { span / $0 <= Double(targetCount) }) {
            return NiceTicks.ticks(inside: lower, upper, step: step).map { ($0, label($0, step: step)) }
        }
        let months = monthSteps.first(where: { span / (Double($0) * 30.44 * 86400) <= Double(targetCount) }) ?? 1200
        let start = utc(lower)
        var index = (start.year * 12 + start.month - 1 + months - 1) / months * months
        var result: [(Double, String)] = []
        while true {
            let time = timestamp(year: index / 12, month: index % 12 + 1)
            if time > upper { break }
            if time >= lower {
                let text =
                    months % 12 == 0
                    ? String(format: "%04ld", index / 12) : String(format: "%04ld-%02ld", index / 12, index % 12 + 1)
                result.append((time, text))
            }
            index += months
        }
        return result
    }

    private static func label(_ time: Double, step: Double) -> String {
        let t = utc(time)
        if step < 60 { return String(format: "%02ld:%02ld:%02ld", t.hour, t.minute, t.second) }
        if step < 86400 { return String(format: "%02ld-%02ld %02ld:%02ld", t.month, t.day, t.hour, t.minute) }
        return String(format: "%04ld-%02ld-%02ld", t.year, t.month, t.day)
    }

    private static func utc(_ time: Double) -> (year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int) {
        var seconds = time_t(time.rounded(.down))
        var parts = tm()
        gmtime_r(&seconds, &parts)
        return (
            Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1, Int(parts.tm_mday),
            Int(parts.tm_hour), Int(parts.tm_min), Int(parts.tm_sec)
        )
    }

    private static func timestamp(year: Int, month: Int) -> Double {
        var parts = tm()
        parts.tm_year = Int32(year - 1900)
        parts.tm_mon = Int32(month - 1)
        parts.tm_mday = 1
        return Double(timegm(&parts))
    }
}
