extension PostgresSchema {
    /// Steps 10–19: what the hot path (validate, reserve, redeem, codes, the cluster-wide guessing limit) adds
    /// to the schema. Kept in this file of its own so that the two halves of the store grow without touching
    /// each other's steps.
    static let hotPathSteps: [PostgresMigration] = []
}
