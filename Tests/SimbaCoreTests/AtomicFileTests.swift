// AtomicFile's clean-up of temporary files that killed writes left: removed when their writer is
// gone, kept while it lives.

import Foundation
import SimbaCore
import SimbaTestSupport
import Testing

@Suite struct AtomicFileTests {
    /// A pid no process has now.
    static func deadPid() -> Int32 {
        var pid: Int32 = 4_000_000
        while kill(pid, 0) == 0 || errno != ESRCH { pid -= 1 }
        return pid
    }

    @Test("A write removes what earlier writes of the same file by gone processes left, nothing else")
    func staleTemporariesOfTheFile() throws {
        let folder = TemporaryFolder("simba-atomic")
        let dead = Self.deadPid()
        let stale = folder.write("half", to: ".out.json.tmp-\(dead)")
        let live = folder.write("being written", to: ".out.json.tmp-1")
        let other = folder.write("another file's", to: ".other.json.tmp-\(dead)")
        try AtomicFile.write(Data("{}".utf8), to: folder.file("out.json"))
        #expect(!FileManager.default.fileExists(atPath: stale))
        #expect(FileManager.default.fileExists(atPath: live), "pid 1 is alive: its write may be under way")
        #expect(FileManager.default.fileExists(atPath: other))
        #expect(AtomicFile.removeStaleTemporaries(in: folder.path).isEmpty)
        #expect(!FileManager.default.fileExists(atPath: other) && FileManager.default.fileExists(atPath: live))
        #expect(try String(contentsOfFile: folder.file("out.json"), encoding: .utf8) == "{}")
    }
}
