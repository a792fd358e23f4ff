// `simba train` with list keys written as the deprecated comma-separated strings: the run goes on
// and stderr says once per key, naming the file and key, how to write the list.

import Foundation
import SimbaCLI
import SimbaTestSupport
import Testing

@Suite("Config lists on the command line", .serialized)
struct ConfigListCommandTests {
    @Test("Comma strings in a config file train, with one note per key on stderr; YAML lists give none")
    func deprecationNotes() throws {
        let folder = TemporaryFolder("simba-cli-config-list")
        try VisionFiles.makeFolder(folder.file("images"))
        let lists = VisionFiles.config(epochs: 1)
        let commas = lists.replacingOccurrences(of: "embed_dims: [4, 8, 12, 16]", with: "embed_dims: 4,8,12,16")
            .replacingOccurrences(of: "depths: [1, 1, 1, 1]", with: "depths: \"1,1,1,1\"")
        #expect(commas != lists)
        folder.write(commas, to: "commas.yaml")
        folder.write(lists, to: "lists.yaml")
        let old = simba([
            "train", "--config", folder.file("commas.yaml"), "--out", folder.file("old"),
            "--set", "data.mean=0.5,0.5,0.5"
        ])
        #expect(old.result == 0, "\(old.errors)")
        let notes = old.errors.split(separator: "\n").filter { $0.hasPrefix("simba: note: ") }
        #expect(
            notes == [
                "simba: note: \(folder.file("commas.yaml")) line 15: model.embed_dims written as a comma-separated "
                    + "string is deprecated; write a YAML list: embed_dims: [4, 8, 12, 16]",
                "simba: note: \(folder.file("commas.yaml")) line 16: model.depths written as a comma-separated "
                    + "string is deprecated; write a YAML list: depths: [1, 1, 1, 1]"
            ])
        let new = simba([
            "train", "--config", folder.file("lists.yaml"), "--out", folder.file("new"),
            "--set", "data.mean=0.5,0.5,0.5"
        ])
        #expect(new.result == 0, "\(new.errors)")
        #expect(!new.errors.contains("note:"), "\(new.errors)")
        let written = try String(contentsOfFile: folder.file("old/config.yaml"), encoding: .utf8)
        #expect(written.contains("embed_dims: [4, 8, 12, 16]") && written.contains("mean: [0.5, 0.5, 0.5]"))
        #expect(
            try String(contentsOfFile: folder.file("old/summary.csv"), encoding: .utf8)
                == (try String(contentsOfFile: folder.file("new/summary.csv"), encoding: .utf8)))
    }
}
