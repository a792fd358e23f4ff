// An exclusive lock on a run folder for the life of one process: flock(2) on the folder's lock
// file, which also names the holder's pid. It decides nothing about what the folder holds.

import Foundation

/// An exclusive `flock` on `folder/<name>`, held until `release()` or until the process ends in
/// any way (the kernel drops it with the last descriptor, after `kill -9` too). Locks taken by
/// two `FolderLock`s of one process also exclude each other.
final class FolderLock {
    private var descriptor: Int32

    /// Takes the lock and writes this process's pid into the file, or throws `CheckpointError`
    /// naming the pid that holds it.
    init(folder: String, name: String) throws {
        let path = folder + "/" + name
        descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            let reason = String(cString: strerror(errno))
            throw CheckpointError(
                path: folder,
                problem: "cannot create its lock file \(name) (\(reason)); "
                    + "choose a folder you can write with --out")
        }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            let reason = errno
            let holder = Self.holder(descriptor)
            close(descriptor)
            guard reason == EWOULDBLOCK else {
                let text = String(cString: strerror(reason))
                throw CheckpointError(path: folder, problem: "cannot lock \(name) (\(text)); choose another with --out")
            }
            let who = holder.map { "process \($0)" } ?? "a process that has not written its pid yet"
            let hint = holder.map { "; wait for it to end or stop it (kill \($0))" } ?? ""
            throw CheckpointError(
                path: folder,
                problem: "is in use by another simba run (\(who))\(hint), "
                    + "or choose another folder with --out")
        }
        let pid = Data("\(getpid())\n".utf8)
        _ = ftruncate(descriptor, 0)
        _ = pid.withUnsafeBytes { pwrite(descriptor, $0.baseAddress, $0.count, 0) }
    }

    /// The pid written in the lock file by its holder, or nil when it has none (yet).
    private static func holder(_ descriptor: Int32) -> Int32? {
        var bytes = [UInt8](repeating: 0, count: 16)
        let count = bytes.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, $0.count, 0) }
        guard count > 0 else { return nil }
        let text = String(decoding: bytes[0..<count], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return Int32(text).flatMap { $0 > 0 ? $0 : nil }
    }

    /// Drops the lock (idempotent).
    func release() {
        if descriptor >= 0 {
            close(descriptor)
            descriptor = -1
        }
    }

    deinit { release() }
}
