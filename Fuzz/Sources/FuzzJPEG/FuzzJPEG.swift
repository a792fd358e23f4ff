// libFuzzer target: any bytes as a JPEG file, decoded to RGB as the image loader does. A thrown error
// is a pass; a trap or a memory error (in simba or in the C library) is a finding.

import Foundation
import SimbaData

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJPEG(_ bytes: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    do {
        let image = try JPEG.decode(Data(bytes: bytes, count: count), source: "fuzz.jpeg")
        precondition(image.pixels.count == image.width * image.height * 3, "pixels do not fill the image")
    } catch {
        _ = String(describing: error)
    }
    return 0
}
