// The encoder of checkpoint metadata: keys sorted whatever order the encoder's hash would give them.

import Foundation
import Testing

@testable import SimbaTraining

@Suite struct JSONEncoderTests {
    /// Eight keys: an unsorted encoder lists them in sorted order by chance once in 40,320 processes.
    @Test func keysAreSorted() throws {
        let values = ["h": 8, "c": 3, "f": 6, "a": 1, "g": 7, "b": 2, "e": 5, "d": 4]
        #expect(
            String(decoding: try JSONEncoder.sorted.encode(values), as: UTF8.self)
                == #"{"a":1,"b":2,"c":3,"d":4,"e":5,"f":6,"g":7,"h":8}"#)
    }
}
