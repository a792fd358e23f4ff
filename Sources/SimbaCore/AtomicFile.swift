// Writes and renames files so that readers see either the old file or the complete new one:
// temporary file in the same folder, fsync, rename, fsync of the folder. It does not lock.

import Foundation

/// A file that could not be written; names the path and the reason.
public struct FileWriteError: Error, CustomStringConvertible {
    public let path: String
    public let reason: String
    public var description: String { "cannot write \(path): \(reason)" }
}

public enum AtomicFile {
    /// Replaces `path` with `data` atomically. On failure the old file (if any) is untouched and
    /// the temporary file is removed; a process killed during the write leaves the temporary file
    /// (`temporaryPath(for:)`), which the next write of the same file removes.
    public static func write(_ data: Data, to path: String) throws {
        try write(to: path) { emit in try data.withUnsafeBytes { try emit($0) } }
    }

    /// Replaces `path` atomically, as `write(_:to:)` does, with the bytes `produce` passes to its
    /// argument piece after piece: for a file too large to build in memory first. An error thrown
    /// by `produce` leaves the old file untouched and is passed on.
    public static func write(
        to path: String,
        pieces produce: (_ emit: (UnsafeRawBufferPointer) throws -> Void) throws -> Void
    ) throws {
        removeStaleTemporaries(in: folder(of: path), of: URL(fileURLWithPath: path).lastPathComponent)
        let temporary = temporaryPath(for: path)
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw FileWriteError(path: path, reason: String(cString: strerror(errno))) }
        var failure: String?
        do {
            try produce { raw in
                var written = 0
                while written < raw.count {
                    let n = Foundation.write(fd, raw.baseAddress! + written, raw.count - written)
                    if n <= 0 {
                        if n < 0 && errno == EINTR { continue }
                        throw FileWriteError(path: path, reason: String(cString: strerror(errno)))
                    }
                    written += n
                }
            }
        } catch {
            close(fd)
            unlink(temporary)
            throw error
        }
        if fsync(fd) != 0 { failure = String(cString: strerror(errno)) }
        close(fd)
        if failure == nil && rename(temporary, path) != 0 { failure = String(cString: strerror(errno)) }
        if let failure {
            unlink(temporary)
            throw FileWriteError(path: path, reason: failure)
        }
        syncFolder(folder(of: path))
    }

    /// Renames `source` to `destination` (replacing it; both in one file system) and makes the
    /// rename durable by an fsync of the destination's folder.
    public static func move(_ source: String, to destination: String) throws {
        guard rename(source, destination) == 0 else {
            let reason = String(cString: strerror(errno))
            throw FileWriteError(path: destination, reason: "cannot rename \(source) to it: \(reason)")
        }
        syncFolder(folder(of: destination))
    }

    /// fsyncs the folder `path`, so the renames and removals in it survive a power loss. Best
    /// effort: a file system that cannot sync a folder has nothing more to offer.
    public static func syncFolder(_ path: String) {
        let descriptor = open(path, O_RDONLY)
        if descriptor >= 0 {
            fsync(descriptor)
            close(descriptor)
        }
    }

    /// `folder/.NAME.tmp-PID`: where `write` puts the data for `folder/NAME` before the rename.
    public static func temporaryPath(for path: String) -> String {
        let url = URL(fileURLWithPath: path)
        return url.deletingLastPathComponent().path + "/." + url.lastPathComponent + ".tmp-\(getpid())"
    }

    /// The pid of the process that wrote the temporary file called `name` (`.NAME.tmp-PID`), or nil
    /// when `name` is not one.
    public static func temporaryWriter(of name: String) -> Int32? {
        guard name.hasPrefix("."), let marker = name.range(of: ".tmp-", options: .backwards),
            marker.lowerBound > name.index(after: name.startIndex)
        else { return nil }
        let digits = name[marker.upperBound...]
        guard !digits.isEmpty, digits.allSatisfy(\.isASCII), digits.allSatisfy(\.isNumber) else { return nil }
        return Int32(digits)
    }

    /// Removes from `folder` the temporary files (`.NAME.tmp-PID`, of file `name` only when given)
    /// whose writer is this process or a process that is gone: what a write killed midway left, the
    /// size of the file it was writing. Best effort; returns the names it could not remove.
    @discardableResult
    public static func removeStaleTemporaries(in folder: String, of name: String? = nil) -> [String] {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: folder) else { return [] }
        var left: [String] = []
        for entry in entries {
            guard let writer = temporaryWriter(of: entry), name.map({ entry.hasPrefix("." + $0 + ".tmp-") }) ?? true,
                writer == getpid() || !isRunning(writer)
            else { continue }
            if unlink(folder + "/" + entry) != 0 && errno != ENOENT { left.append(entry) }
        }
        return left
    }

    /// True when a process `pid` exists (it may belong to another user).
    private static func isRunning(_ pid: Int32) -> Bool {
        kill(pid, 0) == 0 || errno == EPERM
    }

    private static func folder(of path: String) -> String {
        URL(fileURLWithPath: path).deletingLastPathComponent().path
    }
}
