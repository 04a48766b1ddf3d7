extension RowReader {
    /// A boolean column selected as `x::int::bigint`, so that a LEFT JOIN's NULL stays nil.
    func optionalFlag(_ index: Int) throws -> Bool? { try optionalInt64(index).map { $0 != 0 } }
}
