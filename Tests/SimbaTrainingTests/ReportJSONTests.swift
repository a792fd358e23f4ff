// ReportJSON: the encoding of metrics files, non-finite numbers as null, counts as integers, keys sorted.

import Foundation
import Testing

@testable import SimbaTraining

@Suite struct ReportJSONTests {
    @Test func nonFiniteNumbersAreNullAndKeysSorted() throws {
        let value = ReportJSON.object([
            "b": .number(.nan), "a": .array([.number(0.5), .count(3), .number(-.infinity)]),
            "c": .string("linear")
        ])
        let text = String(decoding: try value.encoded(), as: UTF8.self)
        let compact = text.filter { !$0.isWhitespace }
        #expect(compact == #"{"a":[0.5,3,null],"b":null,"c":"linear"}"#, "\(text)")
    }
}
