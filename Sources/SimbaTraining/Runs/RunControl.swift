// How a training run can be cut short on purpose: after a number of epochs, by a stop request,
// or before a step of a checkpoint save. `simba train` uses the defaults; tests the rest.

/// What stops or disturbs a run besides its own end; the defaults are those of `simba train`.
struct RunControl {
    /// Return once this many epochs are done, as a process stopped there would leave the folder.
    var stoppingAfter: Int?
    /// The signal asking the run to stop, checked after every step: Ctrl-C or SIGTERM by default.
    var stopRequest: () -> Int32? = { Interruption.pending }
    /// Called before each step of every checkpoint save (see `RunFolder.beforeSaveStep`).
    var beforeSaveStep: ((_ epoch: Int, _ step: RunFolder.SaveStep) throws -> Void)?
}
