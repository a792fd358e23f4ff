// A file written piece by piece into a temporary file and published by one rename, for outputs too
// large to hold in memory. Readers see the old file or the complete new one; it does not lock.

import Foundation

/// Appends to `AtomicFile.temporaryPath(for: path)`; `commit()` fsyncs it and renames it to
/// `path`. Dropped without a commit (an error, a stop), it removes the temporary file, so `path`
/// is never half written.
public final class AtomicFileStream {
    public let path: String
    /// Bytes written so far (the end of the data, whatever was overwritten at an offset).
    public private(set) var size: UInt64 = 0
    private let temporary: String
    private var descriptor: Int32

    /// Creates the temporary file for `path` (removing one a killed write left behind).
    public init(path: String) throws {
        self.path = path
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
        AtomicFile.removeStaleTemporaries(in: folder, of: URL(fileURLWithPath: path).lastPathComponent)
        temporary = AtomicFile.temporaryPath(for: path)
        descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard descriptor >= 0 else { throw FileWriteError(path: path, reason: String(cString: strerror(errno))) }
    }

    deinit {
        if descriptor >= 0 {
            close(descriptor)
            unlink(temporary)
        }
    }

    /// Appends `data` at the end.
    public func append(_ data: Data) throws {
        try write(data, at: size)
    }

    /// Writes `data` at byte `offset` (at most `size`): a header reserved first and filled in last.
    public func write(_ data: Data, at offset: UInt64) throws {
        precondition(descriptor >= 0, "write after commit")
        precondition(offset <= size, "offset \(offset) beyond the end \(size)")
        var failure: String?
        data.withUnsafeBytes { raw in
            var written = 0
            while written < raw.count {
                let n = pwrite(
                    descriptor, raw.baseAddress! + written, raw.count - written,
                    off_t(offset) + off_t(written))
                if n <= 0 {
                    if n < 0 && errno == EINTR { continue }
                    failure = n == 0 ? "nothing written" : String(cString: strerror(errno))
                    return
                }
                written += n
            }
        }
        if let failure { throw FileWriteError(path: path, reason: failure) }
        size = max(size, offset + UInt64(data.count))
    }

    /// Makes the data durable and renames the temporary file to `path`.
    public func commit() throws {
        precondition(descriptor >= 0, "commit twice")
        let synced = fsync(descriptor) == 0
        let reason = synced ? nil : String(cString: strerror(errno))
        close(descriptor)
        descriptor = -1
        guard synced else {
            unlink(temporary)
            throw FileWriteError(path: path, reason: reason ?? "fsync failed")
        }
        do {
            try AtomicFile.move(temporary, to: path)
        } catch {
            unlink(temporary)
            throw error
        }
    }
}
