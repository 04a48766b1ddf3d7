import PromoServer
import Testing

/// `bulkShareMax` and `bulkShareWindowMs` are checked before the writer ever sees them.
@Suite("Bulk share configuration")
struct BulkShareConfigurationTests {
    @Test(arguments: [(0.05, 1), (0.5, 10), (1.0, 1_000)])
    func valuesInRangeAreAccepted(shareMax: Double, windowMs: Int) throws {
        var configuration = ServerConfiguration()
        configuration.bulkShareMax = shareMax
        configuration.bulkShareWindowMs = windowMs
        try configuration.validate()
    }

    @Test(arguments: [
        { (c: inout ServerConfiguration) in c.bulkShareMax = 0 },
        { (c: inout ServerConfiguration) in c.bulkShareMax = 0.049 },
        { (c: inout ServerConfiguration) in c.bulkShareMax = 1.01 },
        { (c: inout ServerConfiguration) in c.bulkShareMax = -0.5 },
        { (c: inout ServerConfiguration) in c.bulkShareMax = .nan },
        { (c: inout ServerConfiguration) in c.bulkShareMax = .infinity },
        { (c: inout ServerConfiguration) in c.bulkShareWindowMs = 0 },
        { (c: inout ServerConfiguration) in c.bulkShareWindowMs = 1_001 },
    ] as [@Sendable (inout ServerConfiguration) -> Void])
    func valuesOutOfRangeAreRefused(_ change: @Sendable (inout ServerConfiguration) -> Void) {
        var configuration = ServerConfiguration()
        change(&configuration)
        #expect(throws: ServerError.self) { try configuration.validate() }
    }
}
