// libFuzzer target: any bytes as a Time-Series-Library CSV file. A thrown error is a pass; a trap,
// a hang or a memory error is a finding. It does not check the parsed values.

import SimbaData

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCSV(_ bytes: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    do {
        let table = try TimeSeriesTable(bytes: Array(UnsafeBufferPointer(start: bytes, count: count)), path: "fuzz.csv")
        precondition(table.values.count == table.rowCount * table.columnCount, "values do not fill the table")
    } catch {
        _ = String(describing: error)
    }
    return 0
}
