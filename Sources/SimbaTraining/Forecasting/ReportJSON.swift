// A JSON value for the metrics files forecasting writes: numbers (null when not finite), counts,
// strings, arrays and objects, encoded with JSONEncoder.pretty. It reads nothing.

import Foundation
import SimbaData

/// One value of a metrics file. A number that is not finite (a metric over no element, MAPE over
/// only zero targets) is written as null, which JSON can hold.
indirect enum ReportJSON: Encodable {
    case number(Double)
    case count(Int)
    case string(String)
    case array([ReportJSON])
    case object([String: ReportJSON])

    func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .number(let value): if value.isFinite { try container.encode(value) } else { try container.encodeNil() }
        case .count(let value): try container.encode(value)
        case .string(let value): try container.encode(value)
        case .array(let values): try container.encode(values)
        case .object(let members): try container.encode(members)
        }
    }

    /// `{"mse", "mae", "rmse", "mape", "mspe"}` of `sums`, the metric names Time-Series-Library uses.
    static func metrics(_ sums: ForecastMetricAccumulator) -> ReportJSON {
        .object([
            "mse": .number(sums.mse), "mae": .number(sums.mae), "rmse": .number(sums.rmse),
            "mape": .number(sums.mape), "mspe": .number(sums.mspe)
        ])
    }

    /// `{"mse", "mae"}` of `sums`.
    static func errors(_ sums: ForecastMetricAccumulator) -> ReportJSON {
        .object(["mse": .number(sums.mse), "mae": .number(sums.mae)])
    }

    /// Pretty, sorted-key bytes of the value.
    func encoded() throws -> Data { try JSONEncoder.pretty.encode(self) }
}
