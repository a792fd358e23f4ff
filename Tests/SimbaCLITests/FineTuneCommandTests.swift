// `model.init` through SimbaCommand.run: a classification run starts from another run's checkpoint
// (or weights), loading what fits and re-initialising the heads of another class count.

import Foundation
import SimbaSafetensors
import SimbaTestSupport
import Testing

@testable import SimbaCLI

@Suite("simba train with model.init (fine-tuning)")
struct FineTuneCommandTests {
    /// A 1-epoch run of the tiny model on the 3 classes of `folder/images`, in `folder/base`.
    private func baseRun(_ folder: TemporaryFolder) -> Int32 {
        simba(VisionFiles.trainArguments(folder, run: "base")).result
    }

    @Test("Fine-tuning a checkpoint to a new class count loads every tensor but the heads, which start anew")
    func newClassCount() throws {
        let folder = try VisionFiles.project()
        #expect(baseRun(folder) == 0)
        let other = try VisionFiles.project(classes: ["cat", "dog", "fox", "owl"], name: "simba-finetune-target")
        // A learning rate too small to move any weight: the run's weights show what it started from.
        let tiny = [
            "--lr", "1e-30", "--set", "optimization.warmup_lr=0", "--set", "optimization.min_lr=0",
            "--set", "model.init=" + folder.file("base")
        ]
        let run = simba(VisionFiles.trainArguments(other, tiny))
        #expect(run.result == 0, "\(run.errors)")
        let base = try SafetensorsFile(path: folder.file("base/best.safetensors"))
        let tuned = try SafetensorsFile(path: other.file("run/best.safetensors"))
        let heads = ["head.weight", "head.bias", "aux_head.weight", "aux_head.bias"]
        let loaded = base.names.filter { !heads.contains($0) }
        #expect(run.output.contains("init: \(loaded.count) tensors ("), "\(run.output)")
        #expect(
            run.output.contains(
                "loaded from \(folder.file("base/best.safetensors")); re-initialised (the file's "
                    + "heads have 3 classes): head.weight, head.bias, aux_head.weight, aux_head.bias"),
            "\(run.output)")
        #expect(tuned.tensors["head.weight"]?.shape == [4, 16])
        #expect(tuned.tensors["aux_head.bias"]?.shape == [4])
        for name in loaded where name.contains("weight") && !name.contains("norm") {
            let a = try base.floats(name), b = try tuned.floats(name)
            let worst = zip(a, b).map { abs($0 - $1) / max(abs($0), 1e-3) }.max() ?? 0
            #expect(worst <= 1e-5, "\(name) moved by \(worst): not loaded from the base run")
        }
        // config.yaml records where the weights came from.
        #expect(try text(other.file("run/config.yaml")).contains("init: " + folder.file("base")))
    }

    @Test("The same class count loads everything and re-initialises nothing")
    func sameClassCount() throws {
        let folder = try VisionFiles.project()
        #expect(baseRun(folder) == 0)
        let run = simba(VisionFiles.trainArguments(folder, ["--set", "model.init=base/best.safetensors"]))
        // model.init on the command line is relative to the current folder, not the config's: it is missing here.
        #expect(run.result == 1)
        #expect(run.errors.contains("model.init:"), "\(run.errors)")
        let ok = simba(
            VisionFiles.trainArguments(folder, ["--set", "model.init=" + folder.file("base/best.safetensors")]))
        #expect(ok.result == 0, "\(ok.errors)")
        #expect(ok.output.contains("; nothing re-initialised"), "\(ok.output)")
    }

    @Test("Weights of another model are refused, listing what does not fit, before any checkpoint is written")
    func mismatch() throws {
        let folder = try VisionFiles.project()
        #expect(baseRun(folder) == 0)
        let run = simba(
            VisionFiles.trainArguments(
                folder,
                [
                    "--set", "model.embed_dims=[4, 8, 12, 20]",
                    "--set", "model.init=" + folder.file("base")
                ]))
        #expect(run.result == 1)
        #expect(run.errors.contains("best.safetensors: model.init: the weights do not fit the model"), "\(run.errors)")
        #expect(run.errors.contains("  wrong shape ("), "\(run.errors)")
        #expect(
            run.errors.contains("patch_embed4.proj.weight (file F32 [16, 12, 3, 3], model F32 [20, 12, 3, 3])"),
            "\(run.errors)")
        expectNoCheckpoint(folder)
        // A file with tensors the model lacks (and none it needs) is refused too.
        try VisionFiles.mismatchedWeights().write(to: URL(fileURLWithPath: folder.file("foreign.safetensors")))
        let foreign = simba(
            VisionFiles.trainArguments(folder, ["--set", "model.init=" + folder.file("foreign.safetensors")]))
        #expect(foreign.result == 1)
        #expect(foreign.errors.contains("  missing ("), "\(foreign.errors)")
        #expect(foreign.errors.contains("  unexpected (1): bogus.weight"), "\(foreign.errors)")
        expectNoCheckpoint(folder)
    }
}
