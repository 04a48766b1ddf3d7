/// The characters random pattern slots draw from.
public struct CodeAlphabet: Sendable, Hashable {
    /// Drawn by '?' (and '*').
    public let letters: [UInt8]
    /// Drawn by '#' (and '*').
    public let digits: [UInt8]

    private init(letters: String, digits: String) {
        self.letters = Array(letters.utf8)
        self.digits = Array(digits.utf8)
    }

    /// The default. Letters "ABCDEFGHJKMNPQRSTUVWXYZ" (no I, L, O) and digits "23456789" (no 0, 1):
    /// players copy codes from screens and paper, where 0/O and 1/I/L are easily confused.
    public static let unambiguous = CodeAlphabet(
        letters: "ABCDEFGHJKMNPQRSTUVWXYZ", digits: "23456789")

    /// All of A–Z and 0–9, for codes that are only ever pasted or scanned.
    public static let full = CodeAlphabet(
        letters: "ABCDEFGHIJKLMNOPQRSTUVWXYZ", digits: "0123456789")
}
