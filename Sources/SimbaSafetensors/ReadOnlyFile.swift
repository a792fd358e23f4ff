// A regular file opened for reading byte ranges at known offsets, with its size from fstat. It
// refuses directories, FIFOs and devices (reading those could hang or never end); it never writes.

import Foundation

/// An open regular file. Opening never blocks (a FIFO is refused before anything is read), and
/// `read` returns exactly the bytes asked for or throws, so a caller can check sizes against
/// `size` before it allocates anything.
final class ReadOnlyFile {
    let path: String
    /// The file's size in bytes when it was opened.
    let size: Int
    private let descriptor: Int32

    /// Opens `path`; the error's text says why it cannot be read (missing, a folder, no permission).
    init(path: String) throws {
        self.path = path
        let descriptor = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw SafetensorsError(path: path, problem: "cannot open the file (\(String(cString: strerror(errno))))")
        }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else {
            let reason = String(cString: strerror(errno))
            close(descriptor)
            throw SafetensorsError(path: path, problem: "cannot read the file's size (\(reason))")
        }
        guard status.st_mode & S_IFMT == S_IFREG else {
            close(descriptor)
            let kind = status.st_mode & S_IFMT == S_IFDIR ? "a folder" : "not a regular file"
            throw SafetensorsError(path: path, problem: "is \(kind), not a safetensors file")
        }
        self.descriptor = descriptor
        size = Int(status.st_size)
    }

    deinit { close(descriptor) }

    /// Exactly `count` bytes starting at `offset`; `offset + count` must not exceed `size`.
    func read(offset: Int, count: Int) throws -> Data {
        precondition(offset >= 0 && count >= 0 && count <= size - offset, "read outside the file's size")
        var data = Data(count: count)
        var done = 0
        try data.withUnsafeMutableBytes { (buffer: UnsafeMutableRawBufferPointer) in
            while done < count {
                let got = pread(descriptor, buffer.baseAddress! + done, count - done, off_t(offset + done))
                if got < 0 && errno == EINTR { continue }
                guard got > 0 else {
                    let reason = got < 0 ? String(cString: strerror(errno)) : "it became shorter while being read"
                    throw SafetensorsError(
                        path: path, problem: "cannot read bytes \(offset + done)..<\(offset + count) (\(reason))")
                }
                done += got
            }
        }
        return data
    }
}
