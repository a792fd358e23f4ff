// Captures what code writes to standard output and standard error (file descriptors 1 and 2), so
// tests can check a command's messages. It does not parse them.

import Foundation

private let captureLock = NSLock()

/// What `captureOutput` saw.
public struct CapturedOutput<T> {
    public let result: T
    /// Standard output.
    public let output: String
    /// Standard error.
    public let errors: String
}

/// Runs `body` with descriptors 1 and 2 redirected to temporary files and returns its result with
/// both texts; the texts are echoed to the real descriptors afterwards. One capture runs at a time;
/// tests running meanwhile may add lines of their own, so check with `contains`, never equality.
/// Code a test runs that prints belongs inside a capture too (or prints nothing): its lines would
/// land in the capture another test holds meanwhile. Captures do not nest: `body` must not capture.
public func captureOutput<T>(_ body: () throws -> T) rethrows -> CapturedOutput<T> {
    captureLock.lock()
    defer { captureLock.unlock() }
    let folder = FileManager.default.temporaryDirectory.path
    var outPath = Array("\(folder)/simba-stdout-XXXXXX".utf8CString)
    var errPath = Array("\(folder)/simba-stderr-XXXXXX".utf8CString)
    let outFile = mkstemp(&outPath), errFile = mkstemp(&errPath)
    precondition(outFile >= 0 && errFile >= 0, "cannot create capture files in \(folder)")
    fflush(stdout)
    fflush(stderr)
    let savedOut = dup(1), savedErr = dup(2)
    dup2(outFile, 1)
    dup2(errFile, 2)
    func restore() {
        fflush(stdout)
        fflush(stderr)
        dup2(savedOut, 1)
        dup2(savedErr, 2)
        close(savedOut)
        close(savedErr)
    }
    let result: T
    do {
        result = try body()
    } catch {
        restore()
        throw error
    }
    restore()
    func take(_ descriptor: Int32, _ path: [CChar]) -> String {
        close(descriptor)
        let name = String(cString: path)
        defer { unlink(name) }
        return (try? String(contentsOfFile: name, encoding: .utf8)) ?? ""
    }
    let output = take(outFile, outPath), errors = take(errFile, errPath)
    FileHandle.standardOutput.write(Data(output.utf8))
    FileHandle.standardError.write(Data(errors.utf8))
    return CapturedOutput(result: result, output: output, errors: errors)
}
