// Hand-made PNG files for the decoder tests: any colour type and bit depth, stored (uncompressed)
// zlib blocks, correct CRCs. It does not compress or filter.

import Foundation

enum PNGBytes {
    /// A PNG with the given IHDR fields; `rows` are the packed sample bytes of each row (no filter byte).
    /// `chunks` (type, payload) go between IHDR and IDAT (PLTE, tRNS, gAMA…).
    static func make(
        width: Int, height: Int, bitDepth: UInt8, colorType: UInt8, rows: [[UInt8]],
        chunks: [(String, [UInt8])] = []
    ) -> Data {
        precondition(rows.count == height)
        var out: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        let ihdr = bigEndian32(UInt32(width)) + bigEndian32(UInt32(height)) + [bitDepth, colorType, 0, 0, 0]
        appendChunk("IHDR", ihdr, to: &out)
        for (type, payload) in chunks { appendChunk(type, payload, to: &out) }
        appendChunk("IDAT", zlibStored(rows.flatMap { [0] + $0 }), to: &out)
        appendChunk("IEND", [], to: &out)
        return Data(out)
    }

    /// A PNG whose IHDR declares `width`×`height` 8-bit RGB pixels but whose IDAT holds a single
    /// byte: a few dozen bytes that only a decoder trusting the header would expand.
    static func headerOnly(width: UInt32, height: UInt32) -> Data {
        var out: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        appendChunk("IHDR", bigEndian32(width) + bigEndian32(height) + [8, 2, 0, 0, 0], to: &out)
        appendChunk("IDAT", zlibStored([0]), to: &out)
        appendChunk("IEND", [], to: &out)
        return Data(out)
    }

    /// Packs samples of `bitDepth` ≤ 8 bits into bytes, most significant first; 16-bit samples big-endian.
    static func pack(_ samples: [Int], bitDepth: Int) -> [UInt8] {
        if bitDepth == 16 { return samples.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] } }
        if bitDepth == 8 { return samples.map { UInt8($0) } }
        var bytes: [UInt8] = []
        var current = 0, used = 0
        for s in samples {
            current = (current << bitDepth) | s
            used += bitDepth
            if used == 8 { bytes.append(UInt8(current)); current = 0; used = 0 }
        }
        if used > 0 { bytes.append(UInt8(current << (8 - used))) }
        return bytes
    }

    private static func appendChunk(_ type: String, _ payload: [UInt8], to out: inout [UInt8]) {
        let typeBytes = Array(type.utf8)
        out += bigEndian32(UInt32(payload.count)) + typeBytes + payload
        out += bigEndian32(crc32(typeBytes + payload))
    }

    private static func zlibStored(_ data: [UInt8]) -> [UInt8] {
        var out: [UInt8] = [0x78, 0x01]
        var start = 0
        repeat {
            let end = min(start + 65535, data.count)
            let length = UInt16(end - start)
            out += [
                end == data.count ? 1 : 0, UInt8(length & 0xFF), UInt8(length >> 8), UInt8(~length & 0xFF),
                UInt8(~length >> 8)
            ]
            out += data[start..<end]
            start = end
        } while start < data.count
        var a: UInt32 = 1, b: UInt32 = 0
        for byte in data { a = (a + UInt32(byte)) % 65521; b = (b + a) % 65521 }
        return out + bigEndian32(b << 16 | a)
    }

    private static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 != 0 ? 0xEDB8_8320 ^ (crc >> 1) : crc >> 1 }
        }
        return ~crc
    }

    private static func bigEndian32(_ v: UInt32) -> [UInt8] {
        [UInt8(v >> 24), UInt8((v >> 16) & 0xFF), UInt8((v >> 8) & 0xFF), UInt8(v & 0xFF)]
    }
}
