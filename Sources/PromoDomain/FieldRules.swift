// Shared checks behind the `validate` functions, so every field of the same sort fails the same way.

enum FieldRules {
    static func requireIdentifier(
        _ value: String, field: String, limits: DomainLimits
    ) throws(DomainError) {
        if value.isEmpty { throw .invalidArgument("\(field): must not be empty") }
        try requireText(value, field: field, bytesMax: limits.idBytesMax)
    }

    /// For optional text: empty passes.
    static func requireText(_ value: String, field: String, bytesMax: Int) throws(DomainError) {
        if value.utf8.count > bytesMax {
            throw .invalidArgument("\(field): \(value.utf8.count) bytes, at most \(bytesMax)")
        }
        if ASCII.containsControl(value) {
            throw .invalidArgument("\(field): must not contain control characters")
        }
    }

    static func requireSegments(
        _ segments: [String], field: String, countMax: Int, limits: DomainLimits
    ) throws(DomainError) {
        if segments.count > countMax {
            throw .invalidArgument("\(field): \(segments.count) segments, at most \(countMax)")
        }
        for (index, segment) in segments.enumerated() {
            if segment.isEmpty { throw .invalidArgument("\(field)[\(index)]: must not be empty") }
            try requireText(segment, field: "\(field)[\(index)]", bytesMax: limits.segmentBytesMax)
        }
    }

    static func requireCurrency(_ value: String, field: String) throws(DomainError) {
        if !ASCII.isCurrencyCode(value) {
            throw .invalidArgument("\(field): must be an ISO 4217 code of three upper-case letters")
        }
    }
}
