import FoundationEssentials
import PromoServer
import PromoDomain

/// The optional JSON configuration file. Every key is optional; the names are ServerConfiguration's.
/// Each key is also the environment variable `PROMO_<KEY_IN_UPPER_SNAKE_CASE>` (EnvironmentConfig.swift).
struct ConfigFile: Decodable {
    var host: String?
    var port: Int?
    var dataDirectory: String?
    var frameBytesMax: Int?
    var connectionsMax: Int?
    var idleTimeoutMs: Int?
    var inFlightPerConnectionMax: Int?
    var shutdownGraceMs: Int?
    var helloAttemptsMax: Int?
    var preHelloFramesMax: Int?
    var outboundBytesMax: Int?
    var writeStallTimeoutMs: Int?
    var apiKeyBytesMax: Int?
    var apiKeyNameBytesMax: Int?
    var apiKeyCampaignsMax: Int?
    var databaseUrl: String?
    var databasePoolSize: Int?
    var databaseConnectTimeoutMs: Int?
    var databaseRedeemBatchMax: Int?
    var databaseRedeemQueueMax: Int?
    var databaseRedeemBatchesMax: Int?
    var databaseCachedCodesMax: Int?
    var databaseLockoutsRememberedMax: Int?
    var durability: String?
    var writeBatchMax: Int?
    var writeQueueMax: Int?
    var storeBusyTimeoutMs: Int?
    var pageSizeDefault: Int?
    var pageSizeMax: Int?
    var reservationMsMax: UInt32?
    var idempotencyKeyBytesMax: Int?
    var voidReasonBytesMax: Int?
    var grantReasonBytesMax: Int?
    var readerCount: Int?
    var validateViewCodesMax: Int?
    var validateViewUsersMax: Int?
    var walCheckpointPages: Int?
    var walCatchUpPages: Int?
    var walPagesMax: Int?
    var storageFaultLogIntervalMs: Int?
    var idempotencyRetentionMs: Int?
    var reservationRetentionMs: Int?
    var purgeIntervalMs: Int?
    var purgeBatchRows: Int?
    var reportDimensionKeysPerHourMax: Int?
    var generateCountMax: UInt32?
    var generateInlineCodesMax: Int?
    var generateChunkCodes: Int?
    var codeStatusChunkCodes: Int?
    var offersCampaignsMax: Int?
    var blocksMax: Int?
    var bulkSliceRows: Int?
    var bulkBatchMsMax: Int?
    var bulkShareMax: Double?
    var bulkShareWindowMs: Int?
    var defaultCodePattern: String?
    var guessProbabilityMax: Double?
    var importCodesMax: Int?
    var exportPageSizeDefault: Int?
    var exportPageSizeMax: Int?
    var reportTopDefault: Int?
    var reportTopMax: Int?
    var reportBreakdownMax: Int?
    var compareCampaignsMax: Int?
    var suspiciousShareMax: Double?
    var suspiciousRedemptionsMin: UInt64?
    var suspiciousRedemptionsMax: UInt64?
    var suspiciousFailuresMax: UInt64?
    var failureFlushMs: Int?
    var failureBufferMax: Int?
    var frameReadTimeoutMs: Int?
    var rateLimitUserFailuresMax: Int?
    var rateLimitIpFailuresMax: Int?
    var rateLimitWindowMs: Int?
    var rateLimitCooldownMs: Int?
    var rateLimitTrackedCallersMax: Int?
    var backupDirectory: String?
    var backupStepPages: Int?
    var backupStepPauseMs: Int?
    var backupChunkBytesMax: Int?
    var backupsKeepMax: Int?
    var tlsCertificatePath: String?
    var tlsPrivateKeyPath: String?
    var tlsClientCAPath: String?
    var tlsMinimumVersion: String?
    var tlsHandshakeTimeoutMs: Int?
    var authFailuresPerIpMax: Int?
    var consoleEnabled: Bool?
    var consoleHost: String?
    var consolePort: Int?
    var consoleBodyBytesMax: Int?
    var consoleConnectionsMax: Int?
    var consoleIdleTimeoutMs: Int?
    var consoleReadTimeoutMs: Int?
    var metricsEnabled: Bool?
    var metricsHost: String?
    var metricsPort: Int?
    var metricsConnectionsMax: Int?
    var metricsRequestBytesMax: Int?
    var metricsIdleTimeoutMs: Int?

    static func load(path: String) throws -> ConfigFile {
        let bytes: Data
        do {
            bytes = try Data(contentsOf: URL(filePath: path))
        } catch {
            throw ServerError(.invalidArgument, "cannot read config file \(path): \(error)")
        }
        guard bytes.count <= 1 << 20 else { throw ServerError(.invalidArgument, "config file \(path) exceeds 1 MiB") }
        do {
            return try JSONDecoder().decode(ConfigFile.self, from: bytes)
        } catch {
            throw ServerError(.invalidArgument, "config file \(path): \(error)")
        }
    }

    func apply(to settings: inout ServerConfiguration) throws {
        if let host { settings.host = host }
        if let port { settings.port = port }
        if let dataDirectory { settings.dataDirectory = dataDirectory }
        if let frameBytesMax { settings.frameBytesMax = frameBytesMax }
        if let connectionsMax { settings.connectionsMax = connectionsMax }
        if let idleTimeoutMs { settings.idleTimeoutMs = idleTimeoutMs }
        if let inFlightPerConnectionMax { settings.inFlightPerConnectionMax = inFlightPerConnectionMax }
        if let shutdownGraceMs { settings.shutdownGraceMs = shutdownGraceMs }
        if let helloAttemptsMax { settings.helloAttemptsMax = helloAttemptsMax }
        if let preHelloFramesMax { settings.preHelloFramesMax = preHelloFramesMax }
        if let outboundBytesMax { settings.outboundBytesMax = outboundBytesMax }
        if let writeStallTimeoutMs { settings.writeStallTimeoutMs = writeStallTimeoutMs }
        if let apiKeyBytesMax { settings.apiKeyBytesMax = apiKeyBytesMax }
        if let apiKeyNameBytesMax { settings.apiKeyNameBytesMax = apiKeyNameBytesMax }
        if let apiKeyCampaignsMax { settings.apiKeyCampaignsMax = apiKeyCampaignsMax }
        if let databaseUrl { settings.databaseUrl = databaseUrl }
        if let databasePoolSize { settings.databasePoolSize = databasePoolSize }
        if let databaseConnectTimeoutMs { settings.databaseConnectTimeoutMs = databaseConnectTimeoutMs }
        if let databaseRedeemBatchMax { settings.databaseRedeemBatchMax = databaseRedeemBatchMax }
        if let databaseRedeemQueueMax { settings.databaseRedeemQueueMax = databaseRedeemQueueMax }
        if let databaseRedeemBatchesMax { settings.databaseRedeemBatchesMax = databaseRedeemBatchesMax }
        if let databaseCachedCodesMax { settings.databaseCachedCodesMax = databaseCachedCodesMax }
        if let databaseLockoutsRememberedMax { settings.databaseLockoutsRememberedMax = databaseLockoutsRememberedMax }
        if let durability {
            guard let value = CommitDurability(rawValue: durability) else {
                throw ServerError(.invalidArgument, "durability must be full or normal")
            }
            settings.durability = value
        }
        if let writeBatchMax { settings.writeBatchMax = writeBatchMax }
        if let writeQueueMax { settings.writeQueueMax = writeQueueMax }
        if let storeBusyTimeoutMs { settings.storeBusyTimeoutMs = storeBusyTimeoutMs }
        if let pageSizeDefault { settings.pageSizeDefault = pageSizeDefault }
        if let pageSizeMax { settings.pageSizeMax = pageSizeMax }
        if let reservationMsMax { settings.reservationMsMax = reservationMsMax }
        if let idempotencyKeyBytesMax { settings.idempotencyKeyBytesMax = idempotencyKeyBytesMax }
        if let voidReasonBytesMax { settings.voidReasonBytesMax = voidReasonBytesMax }
        if let grantReasonBytesMax { settings.grantReasonBytesMax = grantReasonBytesMax }
        if let readerCount { settings.readerCount = readerCount }
        if let validateViewCodesMax { settings.validateViewCodesMax = validateViewCodesMax }
        if let validateViewUsersMax { settings.validateViewUsersMax = validateViewUsersMax }
        if let walCheckpointPages { settings.walCheckpointPages = walCheckpointPages }
        if let walCatchUpPages { settings.walCatchUpPages = walCatchUpPages }
        if let walPagesMax { settings.walPagesMax = walPagesMax }
        if let storageFaultLogIntervalMs { settings.storageFaultLogIntervalMs = storageFaultLogIntervalMs }
        if let idempotencyRetentionMs { settings.idempotencyRetentionMs = idempotencyRetentionMs }
        if let reservationRetentionMs { settings.reservationRetentionMs = reservationRetentionMs }
        if let purgeIntervalMs { settings.purgeIntervalMs = purgeIntervalMs }
        if let purgeBatchRows { settings.purgeBatchRows = purgeBatchRows }
        if let reportDimensionKeysPerHourMax { settings.reportDimensionKeysPerHourMax = reportDimensionKeysPerHourMax }
        if let generateCountMax { settings.generateCountMax = generateCountMax }
        if let generateInlineCodesMax { settings.generateInlineCodesMax = generateInlineCodesMax }
        if let generateChunkCodes { settings.generateChunkCodes = generateChunkCodes }
        if let codeStatusChunkCodes { settings.codeStatusChunkCodes = codeStatusChunkCodes }
        if let offersCampaignsMax { settings.offersCampaignsMax = offersCampaignsMax }
        if let blocksMax { settings.blocksMax = blocksMax }
        if let bulkSliceRows { settings.bulkSliceRows = bulkSliceRows }
        if let bulkBatchMsMax { settings.bulkBatchMsMax = bulkBatchMsMax }
        if let bulkShareMax { settings.bulkShareMax = bulkShareMax }
        if let bulkShareWindowMs { settings.bulkShareWindowMs = bulkShareWindowMs }
        if let defaultCodePattern { settings.defaultCodePattern = defaultCodePattern }
        if let guessProbabilityMax { settings.guessProbabilityMax = guessProbabilityMax }
        if let importCodesMax { settings.importCodesMax = importCodesMax }
        if let exportPageSizeDefault { settings.exportPageSizeDefault = exportPageSizeDefault }
        if let exportPageSizeMax { settings.exportPageSizeMax = exportPageSizeMax }
        if let reportTopDefault { settings.reportTopDefault = reportTopDefault }
        if let reportTopMax { settings.reportTopMax = reportTopMax }
        if let reportBreakdownMax { settings.reportBreakdownMax = reportBreakdownMax }
        if let compareCampaignsMax { settings.compareCampaignsMax = compareCampaignsMax }
        if let suspiciousShareMax { settings.suspiciousShareMax = suspiciousShareMax }
        if let suspiciousRedemptionsMin { settings.suspiciousRedemptionsMin = suspiciousRedemptionsMin }
        if let suspiciousRedemptionsMax { settings.suspiciousRedemptionsMax = suspiciousRedemptionsMax }
        if let suspiciousFailuresMax { settings.suspiciousFailuresMax = suspiciousFailuresMax }
        if let failureFlushMs { settings.failureFlushMs = failureFlushMs }
        if let failureBufferMax { settings.failureBufferMax = failureBufferMax }
        if let frameReadTimeoutMs { settings.frameReadTimeoutMs = frameReadTimeoutMs }
        if let rateLimitUserFailuresMax { settings.rateLimitUserFailuresMax = rateLimitUserFailuresMax }
        if let rateLimitIpFailuresMax { settings.rateLimitIpFailuresMax = rateLimitIpFailuresMax }
        if let rateLimitWindowMs { settings.rateLimitWindowMs = rateLimitWindowMs }
        if let rateLimitCooldownMs { settings.rateLimitCooldownMs = rateLimitCooldownMs }
        if let rateLimitTrackedCallersMax { settings.rateLimitTrackedCallersMax = rateLimitTrackedCallersMax }
        if let backupDirectory { settings.backupDirectory = backupDirectory }
        if let backupStepPages { settings.backupStepPages = backupStepPages }
        if let backupStepPauseMs { settings.backupStepPauseMs = backupStepPauseMs }
        if let backupChunkBytesMax { settings.backupChunkBytesMax = backupChunkBytesMax }
        if let backupsKeepMax { settings.backupsKeepMax = backupsKeepMax }
        if let tlsCertificatePath { settings.tlsCertificatePath = tlsCertificatePath }
        if let tlsPrivateKeyPath { settings.tlsPrivateKeyPath = tlsPrivateKeyPath }
        if let tlsClientCAPath { settings.tlsClientCAPath = tlsClientCAPath }
        if let tlsMinimumVersion { settings.tlsMinimumVersion = tlsMinimumVersion }
        if let tlsHandshakeTimeoutMs { settings.tlsHandshakeTimeoutMs = tlsHandshakeTimeoutMs }
        if let metricsEnabled { settings.metricsEnabled = metricsEnabled }
        if let metricsHost { settings.metricsHost = metricsHost }
        if let metricsPort { settings.metricsPort = metricsPort }
        if let metricsConnectionsMax { settings.metricsConnectionsMax = metricsConnectionsMax }
        if let metricsRequestBytesMax { settings.metricsRequestBytesMax = metricsRequestBytesMax }
        if let metricsIdleTimeoutMs { settings.metricsIdleTimeoutMs = metricsIdleTimeoutMs }
        if let authFailuresPerIpMax { settings.authFailuresPerIpMax = authFailuresPerIpMax }
        if let consoleEnabled { settings.consoleEnabled = consoleEnabled }
        if let consoleHost { settings.consoleHost = consoleHost }
        if let consolePort { settings.consolePort = consolePort }
        if let consoleBodyBytesMax { settings.consoleBodyBytesMax = consoleBodyBytesMax }
        if let consoleConnectionsMax { settings.consoleConnectionsMax = consoleConnectionsMax }
        if let consoleIdleTimeoutMs { settings.consoleIdleTimeoutMs = consoleIdleTimeoutMs }
        if let consoleReadTimeoutMs { settings.consoleReadTimeoutMs = consoleReadTimeoutMs }
    }
}
