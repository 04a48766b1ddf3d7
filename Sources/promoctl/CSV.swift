/// Just enough CSV (RFC 4180 without line breaks inside fields) for code lists.
enum CSV {
    /// One physical line of a file: its 1-based number and its text without the line break.
    struct Line {
        let number: Int
        let text: Substring
    }

    /// The lines of `text`, `\n` or `\r\n` separated, a leading byte-order mark dropped.
    static func lines(_ text: String) -> [Line] {
        var body = Substring(text)
        if body.hasPrefix("\u{FEFF}") { body = body.dropFirst() }
        // "\r\n" is one Character in Swift, so split on both separators explicitly.
        return body.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" })
            .enumerated().map { Line(number: $0.offset + 1, text: $0.element) }
    }

    struct MalformedLine: Error {
        let reason: String
    }

    /// The fields of one line; double-quoted fields may hold commas and `""` for a quote.
    static func fields(_ line: Substring) throws(MalformedLine) -> [String] {
        var fields: [String] = []
        var field = ""
        var inQuotes = false
        var afterQuotedField = false
        var iterator = line.makeIterator()
        var pending: Character? = nil
        func next() -> Character? {
            if let character = pending {
                pending = nil
                return character
            }
            return iterator.next()
        }
        while let character = next() {
            if inQuotes {
                if character == "\"" {
                    if let following = next() {
                        if following == "\"" {
                            field.append("\"")
                        } else {
                            inQuotes = false
                            afterQuotedField = true
                            pending = following
                        }
                    } else {
                        inQuotes = false
                        afterQuotedField = true
                    }
                } else {
                    field.append(character)
                }
            } else if character == "," {
                fields.append(field)
                field = ""
                afterQuotedField = false
            } else if afterQuotedField {
                if character == " " || character == "\t" || character == "\r" { continue }
                throw MalformedLine(reason: "text after a closing quote")
            } else if character == "\"" && field.trimmingWhitespace().isEmpty {
                field = ""
                inQuotes = true
            } else {
                field.append(character)
            }
        }
        if inQuotes { throw MalformedLine(reason: "a quoted field is not closed") }
        fields.append(field)
        return fields
    }

    /// A field quoted when it needs to be.
    static func escape(_ field: String) -> String {
        guard field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" || $0 == "\r\n" }) else {
            return field
        }
        var quoted = "\""
        for character in field {
            if character == "\"" { quoted += "\"\"" } else { quoted.append(character) }
        }
        return quoted + "\""
    }

    static func row(_ fields: String...) -> String {
        fields.map(escape).joined(separator: ",")
    }
}
