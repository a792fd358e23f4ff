// How an error message shows a piece of outside input (a name, a cell, an option's value): short
// and printable. It judges nothing about the input itself.

/// `text` as a message quotes it: its first 80 characters (then "…"), control and format
/// characters as `\u{…}` escapes (so a message cannot move the cursor or hide text), in single
/// quotes unless `marks` is false.
public func quoted(_ text: String, marks: Bool = true) -> String {
    let limit = 80
    var shown = text
    if let cut = text.index(text.startIndex, offsetBy: limit, limitedBy: text.endIndex), cut < text.endIndex {
        shown = String(text[..<cut]) + "…"
    }
    let hidden: (Unicode.Scalar) -> Bool = { [.control, .format].contains($0.properties.generalCategory) }
    if shown.unicodeScalars.contains(where: hidden) {
        shown = shown.unicodeScalars.map { hidden($0) ? $0.escaped(asASCII: true) : String($0) }.joined()
    }
    return marks ? "'\(shown)'" : shown
}
