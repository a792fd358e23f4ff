// The built `simba` executable run as a child process, for what only a real process shows: exit
// statuses after signals, a lock held by another process, messages on stderr. It builds nothing.

import Foundation

/// One `simba` child process with its standard output and error collected as they arrive.
public final class SimbaProcess {
    /// The `simba` executable next to the running test binary (`swift test` builds both into one
    /// folder), or nil when it is not there.
    public static let executable: String? = {
        guard let me = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") else { return nil }
        let candidate = URL(fileURLWithPath: me).deletingLastPathComponent().appendingPathComponent("simba").path
        return FileManager.default.isExecutableFile(atPath: candidate) ? candidate : nil
    }()

    public let process = Process()
    private let lock = NSLock()
    private var out = Data(), err = Data()
    private var openStreams = 2
    private let outPipe = Pipe()
    private var readingOutput = false

    /// Starts `simba arguments…` with this process's environment plus `environment`; throws when the
    /// executable is missing. With `holdingOutput`, its standard output is a one-page pipe nobody
    /// reads until `releaseOutput()`, so `simba` blocks in a write as soon as it has printed 4 KB.
    /// With a `launcher` (a program and its arguments, e.g. `mpirun -np 2`), that program is started
    /// with simba's path and `arguments` after its own.
    public init(
        _ arguments: [String], environment: [String: String] = [:], holdingOutput: Bool = false,
        launcher: [String] = []
    ) throws {
        guard let executable = Self.executable else {
            throw SimbaProcessError(description: "no simba executable next to the test binary; run `swift build` first")
        }
        let command = launcher + [executable] + arguments
        process.executableURL = URL(fileURLWithPath: command[0])
        process.arguments = Array(command.dropFirst())
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let errPipe = Pipe()
        if holdingOutput {
            let setPipeSize: Int32 = 1031  // F_SETPIPE_SZ (Linux)
            guard fcntl(outPipe.fileHandleForWriting.fileDescriptor, setPipeSize, 4096) >= 0 else {
                let reason = String(cString: strerror(errno))
                throw SimbaProcessError(description: "cannot shrink the output pipe: \(reason)")
            }
        }
        process.standardOutput = outPipe
        process.standardError = errPipe
        process.standardInput = FileHandle.nullDevice
        try process.run()
        if !holdingOutput { releaseOutput() }
        collect(errPipe.fileHandleForReading, into: \.err)
    }

    /// Starts reading standard output (`init` does it unless it was held; `exitStatus` too).
    public func releaseOutput() {
        lock.lock()
        let started = readingOutput
        readingOutput = true
        lock.unlock()
        if !started { collect(outPipe.fileHandleForReading, into: \.out) }
    }

    /// Waits until the process catches SIGINT and SIGTERM (its handlers are installed), from the
    /// SigCgt mask in /proc/PID/status; false when it ends first or after `seconds`.
    public func waitForSignalHandlers(seconds: Double = 60) -> Bool {
        let wanted: UInt64 = (1 << (UInt64(SIGINT) - 1)) | (1 << (UInt64(SIGTERM) - 1))
        return waitUntil(seconds: seconds) {
            guard process.isRunning else { return true }
            let file = "/proc/\(process.processIdentifier)/status"
            guard let status = try? String(contentsOfFile: file, encoding: .utf8),
                let line = status.split(separator: "\n").first(where: { $0.hasPrefix("SigCgt:") }),
                let mask = UInt64(line.dropFirst("SigCgt:".count).trimmingCharacters(in: .whitespaces), radix: 16)
            else { return false }
            return mask & wanted == wanted
        } && process.isRunning
    }

    private func collect(_ handle: FileHandle, into buffer: ReferenceWritableKeyPath<SimbaProcess, Data>) {
        Thread.detachNewThread { [self] in
            while true {
                let chunk = handle.availableData
                lock.lock()
                if chunk.isEmpty {
                    openStreams -= 1
                    lock.unlock()
                    return
                }
                self[keyPath: buffer].append(chunk)
                lock.unlock()
            }
        }
    }

    /// What the process wrote to standard output so far.
    public var stdout: String {
        lock.lock()
        defer { lock.unlock() }
        return String(decoding: out, as: UTF8.self)
    }

    /// What the process wrote to standard error so far.
    public var stderr: String {
        lock.lock()
        defer { lock.unlock() }
        return String(decoding: err, as: UTF8.self)
    }

    /// Sends `signal` to the process.
    public func send(_ signal: Int32) { kill(process.processIdentifier, signal) }

    /// Waits until `condition` holds, polling every 10 ms for at most `seconds`; false on timeout.
    public func waitUntil(seconds: Double = 60, _ condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while !condition() {
            if Date() > deadline { return false }
            usleep(10_000)
        }
        return true
    }

    /// The exit status once the process has exited by itself and its output is collected, or nil
    /// when it ended by a signal or was still running after `seconds` (then it is killed).
    public func exitStatus(seconds: Double = 120) -> Int32? {
        guard waitUntil(seconds: seconds, { !process.isRunning }) else {
            send(SIGKILL)
            process.waitUntilExit()
            return nil
        }
        releaseOutput()
        _ = waitUntil(seconds: 10) {
            lock.lock()
            defer { lock.unlock() }
            return openStreams == 0
        }
        return process.terminationReason == .exit ? process.terminationStatus : nil
    }
}

public struct SimbaProcessError: Error, CustomStringConvertible {
    public let description: String
}
