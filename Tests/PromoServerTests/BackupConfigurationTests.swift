import PromoClient
import PromoServer
import Testing

@Suite("Backup configuration", .serverCleanup)
struct BackupConfigurationTests {
    @Test func defaultsAreValidAndTheFolderDefaultsToTheDataDirectory() throws {
        var configuration = ServerConfiguration()
        configuration.dataDirectory = "/srv/promo"
        try configuration.validate()
        #expect(configuration.backupPath == "/srv/promo/backups")
        configuration.backupDirectory = "/mnt/backups"
        #expect(configuration.backupPath == "/mnt/backups")
        // A chunk always fits a frame, whatever the two limits are set to.
        configuration.frameBytesMax = 64 << 10
        try configuration.validate()
        #expect(configuration.backupChunkBytes == 32 << 10)
    }

    @Test(arguments: [
        { (c: inout ServerConfiguration) in c.backupStepPages = 0 },
        { (c: inout ServerConfiguration) in c.backupStepPauseMs = -1 },
        { (c: inout ServerConfiguration) in c.backupStepPauseMs = 10_001 },
        { (c: inout ServerConfiguration) in c.backupChunkBytesMax = 511 },
        { (c: inout ServerConfiguration) in c.backupsKeepMax = -1 },
        { (c: inout ServerConfiguration) in c.backupDirectory = "" },
    ] as [@Sendable (inout ServerConfiguration) -> Void])
    func impossibleValuesAreRefused(_ change: @Sendable (inout ServerConfiguration) -> Void) {
        var configuration = ServerConfiguration()
        change(&configuration)
        #expect(throws: ServerError.self) { try configuration.validate() }
    }

    @Test func aConfiguredFolderReceivesTheBackups() async throws {
        let folder = makeTemporaryDirectory() + "/elsewhere"
        let server = try await TestServer.start { $0.backupDirectory = folder }
        let admin = try await server.session()
        let made = try await admin.backup(name: "here.sqlite")
        #expect(made.path == folder + "/here.sqlite")
        #expect(directoryEntries(folder) == ["here.sqlite"])
        #expect(fileMode(folder) == 0o700)
        #expect(!fileExists(server.dataDirectory + "/backups"))
        await admin.close()
    }
}
