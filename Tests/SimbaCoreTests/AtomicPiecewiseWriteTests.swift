// AtomicFile.write(to:pieces:): the pieces land in order in one file; a producer that throws leaves
// the old file as it was and no temporary file behind.

import Foundation
import SimbaCore
import SimbaTestSupport
import Testing

private struct ProducerFailed: Error {}

@Suite struct AtomicPiecewiseWriteTests {
    @Test func piecesAreWrittenInOrder() throws {
        let folder = TemporaryFolder("simba-atomic-pieces")
        try AtomicFile.write(to: folder.file("out.csv")) { emit in
            for piece in ["a,b\n", "1,2\n", "3,4\n"] { try Array(piece.utf8).withUnsafeBytes { try emit($0) } }
        }
        #expect(try String(contentsOfFile: folder.file("out.csv"), encoding: .utf8) == "a,b\n1,2\n3,4\n")
    }

    @Test func aThrowingProducerLeavesTheOldFile() throws {
        let folder = TemporaryFolder("simba-atomic-pieces")
        folder.write("old", to: "out.csv")
        #expect(throws: ProducerFailed.self) {
            try AtomicFile.write(to: folder.file("out.csv")) { emit in
                try Array("new, half".utf8).withUnsafeBytes { try emit($0) }
                throw ProducerFailed()
            }
        }
        #expect(try String(contentsOfFile: folder.file("out.csv"), encoding: .utf8) == "old")
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["out.csv"])
    }
}
