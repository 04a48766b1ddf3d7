import PromoDomain

/// Everything the server's behaviour depends on, with the defaults a fresh install runs with.
/// Each limit is named for what it bounds; units are in the name.
public struct ServerConfiguration: Sendable {
    /// Interface to listen on. Default 127.0.0.1: exposing the service is a deliberate act.
    public var host = "127.0.0.1"
    /// TCP port; 0 picks a free one. Default 7420.
    public var port = 7420
    /// Folder of the embedded store's SQLite file (the default store) and the bootstrap admin key. Default `./var`.
    public var dataDirectory = "./var"
    /// Largest frame accepted or sent, length prefix excluded. Default 1 MiB.
    public var frameBytesMax = 1 << 20
    /// Open connections at most; the next one is told RESOURCE_EXHAUSTED and closed. Default 1,024.
    public var connectionsMax = 1_024
    /// A connection with no bytes received for this long and nothing in flight is closed. Default 60,000 ms.
    public var idleTimeoutMs = 60_000
    /// Requests in progress per connection at most; past it the server stops reading that connection
    /// until answers go out (TCP back-pressure, not errors). Default 256.
    public var inFlightPerConnectionMax = 256
    /// How long a graceful shutdown waits for in-flight requests before closing connections. Default 10,000 ms.
    public var shutdownGraceMs = 10_000
    /// Failed `hello` attempts on one connection before it is closed (slows key guessing). Default 3.
    public var helloAttemptsMax = 3
    /// Frames a connection may send before a successful `hello` (any frame: empty, undecodable, calls, failed
    /// hellos); after that many without one it is closed. Default 8.
    public var preHelloFramesMax = 8
    /// Bytes of answers queued for one connection (written, not yet taken by the peer) before the server
    /// stops reading and decoding it: the channel's high write-buffer water mark (the low one is half). Answers
    /// of requests already in progress still go out, and those are charged in advance (a bulk read its
    /// `frameBytesMax`), so one connection never holds much more than twice this plus one frame. Default 4 MiB.
    public var outboundBytesMax = 4 << 20
    /// A connection over `outboundBytesMax` that does not read it back down (to half) within this many ms is
    /// closed, and so is one whose final answer cannot be sent for this long. Default 30,000 ms.
    public var writeStallTimeoutMs = 30_000
    /// Longest API key accepted in `hello`. Default 256 bytes.
    public var apiKeyBytesMax = 256
    /// Longest name given to an API key. Default 200 bytes.
    public var apiKeyNameBytesMax = 200
    /// Campaigns one issuer key may be bound to. Default 1,000.
    public var apiKeyCampaignsMax = 1_000
    /// Page size when a request names none. Default 50.
    public var pageSizeDefault = 50
    /// Largest page returned by any listing. Default 500.
    public var pageSizeMax = 500
    /// Longest hold `validate` may put on a use. Default 900,000 ms (15 minutes).
    public var reservationMsMax: UInt32 = 900_000
    /// Longest idempotency key accepted. Default 128 bytes.
    public var idempotencyKeyBytesMax = 128
    /// Longest void reason accepted. Default 500 bytes.
    public var voidReasonBytesMax = 500
    /// Longest grant_reward reason accepted (a reason is required). Default 500 bytes.
    public var grantReasonBytesMax = 500
    /// Most codes one `generate` may create. Default 1,000,000.
    public var generateCountMax: UInt32 = 1_000_000
    /// Codes returned inline by `generate`; the rest are fetched with `export_codes`. Default 10,000.
    public var generateInlineCodesMax = 10_000
    /// Codes generated (and sorted) at a time while the writer inserts the previous chunk; each chunk goes
    /// to the writer as bulk slices of `bulkSliceRows`, so it bounds memory, not how long redeems wait.
    /// Default 100,000.
    public var generateChunkCodes = 100_000
    /// Codes switched per writer job by a bulk `set_code_status` (by batch or campaign): each chunk is one
    /// index range and one bulk writer slice, so a million-code campaign's switch holds the writer for this
    /// many rows at a time and redeems queued meanwhile commit before the next chunk. A chunk rewrites about
    /// one 4 KiB table page per 40 codes: 2,500 codes dirty ~60 pages, about what a 250-code generate slice
    /// does, and its commit (fsync) costs about as much. Default 2,500.
    public var codeStatusChunkCodes = 2_500
    /// Auto-apply campaigns `offers` considers at most (the active ones in their window, oldest first): an
    /// offers call reads this many campaigns and judges each with a few index lookups, so its cost grows
    /// linearly with it and never with the codes. Default 50.
    public var offersCampaignsMax = 50
    /// Blocks (`block_user`) kept at most, in force or ended but not yet purged; past it `block_user` answers
    /// RESOURCE_EXHAUSTED. Each validate and redeem looks blocks up by (user, campaign) in an index, so the
    /// number only bounds the table. Default 1,000,000.
    public var blocksMax = 1_000_000
    /// Rows (codes, failed-validate events) one bulk writer slice carries: generate, import_codes and the
    /// failure flush are cut into such slices, each its own savepoint, and a redeem waits behind at most one
    /// of them. 250 codes take about 2-3 ms of writer time on 2 cores (docs/benchmarks.md). Default 250.
    public var bulkSliceRows = 250
    /// With no interactive write waiting, bulk slices keep filling one transaction for up to this long
    /// before it commits (fewer commits: a sliced generate runs as fast as one big job). Interactive writes
    /// never wait for it: they end the transaction after the current slice, but they do wait for its COMMIT
    /// (and the WAL checkpoint after it), which grows with it: 50 ms gave redeems a p99 of 119-152 ms during
    /// a generate, 5 ms 37-39 ms (docs/benchmarks.md). Default 5 ms.
    public var bulkBatchMsMax = 5
    /// While interactive writes are around (queued, or one taken within `bulkShareWindowMs`), bulk slices get
    /// at most this share of the writer's recent time, in 0.05...1: most redeem batches then carry no slice, and
    /// a redeem pays for a slice and its bigger commit only now and then. Bulk always gets its share, so a
    /// steady stream of redeems never stops a generate; with no interactive write around bulk runs flat out.
    /// 1 is no bound (a slice in every batch while bulk work waits: redeems at 0.22-0.57x of their throughput
    /// during a generate). Higher: faster bulk work under load, slower redeems. Measured with a 1,000,000-code
    /// generate under 8 redeeming connections (docs/benchmarks.md): 0.5 met issue 19's targets in 3 of 4 rounds,
    /// 0.25 let the generate take 1.75x its time alone, 0.75 held redeems to 0.20-0.24x. Default 0.5.
    public var bulkShareMax = 0.5
    /// How recent counts for `bulkShareMax` (ms): interactive writes count as around for this long after the
    /// last one (a closed loop of redeems leaves the queue empty for a moment after each commit), and the share
    /// is measured over about this much writer time. Default 10 ms.
    public var bulkShareWindowMs = 10
    /// Pattern used when `generate` names none: 8 letters or digits, 31^8 ≈ 8.5e11 codes. Default `****-****`.
    public var defaultCodePattern = "****-****"
    /// Largest chance that one random guess hits a live code of a pattern; generate refuses beyond it.
    /// Default 1/10,000.
    public var guessProbabilityMax = 1.0 / 10_000
    /// Codes in one `import_codes` request at most. Default 10,000.
    public var importCodesMax = 10_000
    /// Codes per `export_codes` page when the request names none. Default 1,000.
    public var exportPageSizeDefault = 1_000
    /// Codes per `export_codes` page at most (pages also stop short of `frameBytesMax`). Default 10,000.
    public var exportPageSizeMax = 10_000
    /// Entries per report top list when the request names none, and at most. Defaults 10 and 100.
    public var reportTopDefault = 10
    public var reportTopMax = 100
    /// Sources and owners listed in a report at most (the largest first). Default 1,000.
    public var reportBreakdownMax = 1_000
    /// Campaigns one `compare_campaigns` may name at most (each costs about one report's totals). Default 20.
    public var compareCampaignsMax = 20
    /// An IP or device is suspicious when it holds more than this share of a range's redemptions
    /// (with at least `suspiciousRedemptionsMin` of them). Default 0.1.
    public var suspiciousShareMax = 0.1
    public var suspiciousRedemptionsMin: UInt64 = 10
    /// ...or this many redemptions, whatever the share. Default 100.
    public var suspiciousRedemptionsMax: UInt64 = 100
    /// ...or this many failed attempts. Default 20.
    public var suspiciousFailuresMax: UInt64 = 20
    /// Failed validates are counted in memory and written every this many ms (failed redeems are counted
    /// in their own transaction). Default 1,000.
    public var failureFlushMs = 1_000
    /// Failed validates buffered at most between writes; beyond it they are dropped (and logged). Default 100,000.
    public var failureBufferMax = 100_000
    /// A storage fault (disk full, I/O error) is logged once per this many ms while it lasts, with the number
    /// of faults in between, instead of once per failed request. Default 60,000 ms.
    public var storageFaultLogIntervalMs = 60_000
    /// How long the answer to a redeem's idempotency key is kept; a replay after that is a new request.
    /// Default 86,400,000 ms (24 h).
    public var idempotencyRetentionMs = 86_400_000
    /// How long a reservation that expired unused is kept (meanwhile redeeming it answers RESERVATION_EXPIRED,
    /// afterwards RESERVATION_NOT_FOUND). Default 86,400,000 ms (24 h).
    public var reservationRetentionMs = 86_400_000
    /// How often the background purge of expired idempotency records and reservations runs. Default 60,000 ms.
    public var purgeIntervalMs = 60_000
    /// Rows one purge job deletes at most (of each kind); a purge is a chain of such writer jobs, so redeems
    /// never wait behind more than one of them. Default 500.
    public var purgeBatchRows = 500
    /// Distinct IPs, devices and users whose failed attempts the report totals track per campaign and hour;
    /// the rest are counted together under the empty key, so invented callers cannot grow the file without
    /// bound. Default 1,000.
    public var reportDimensionKeysPerHourMax = 1_000
    /// Read-only connections of the embedded SQLite store (the default) serving reads. Default 2.
    public var readerCount = 2
    /// Codes (and campaigns) the in-memory validate view keeps at most: a plain validate whose code,
    /// campaign and player are resident is answered from memory, without SQLite; the rest read SQLite and
    /// become resident. About 410 bytes of RSS per resident code (measured, docs/benchmarks.md), so ~100 MiB
    /// at the default; raise it where memory allows. 0 turns the view off. Default 250,000.
    public var validateViewCodesMax = 250_000
    /// Players (their blocks and per-campaign counts) the validate view keeps at most. Default 100,000.
    public var validateViewUsersMax = 100_000
    /// WAL pages before a checkpoint copies them into the database file. The checkpoint runs on a connection
    /// and thread of its own beside the writer, never inside a COMMIT that redeems wait for (after bulk
    /// work it writes megabytes and fsyncs them). Default 4,000 (~16 MiB).
    public var walCheckpointPages = 4_000
    /// Frames a background checkpoint may leave for the writer to copy itself after a commit (about one
    /// fsync), so that the WAL can start over under steady writes. Default 512 (2 MiB).
    public var walCatchUpPages = 512
    /// The WAL's length at most, in pages: past it the writer checkpoints whatever is left itself, stalling
    /// writes for as long as that takes (background checkpoints that never catch up). Default 262,144 (1 GiB).
    public var walPagesMax = 262_144
    /// The bootstrap admin key to install on first start instead of generating one (`PROMO_ADMIN_KEY`).
    public var bootstrapAdminKey: String?
    /// `postgres://user:password@host:port/database?sslmode=…`: store everything in this PostgreSQL database
    /// (several promo-servers may share it) instead of the SQLite file in `dataDirectory`. The password may come
    /// from `PGPASSWORD` instead; `sslmode` is disable, allow/prefer, require, verify-ca or verify-full (libpq's
    /// meanings). Default nil: SQLite. Never logged with its password.
    public var databaseUrl: String?
    /// PostgreSQL connections this server keeps open at most (each is a PostgreSQL process: servers ×
    /// databasePoolSize must stay below the database's max_connections). Default 10.
    public var databasePoolSize = 10
    /// A call fails with UNAVAILABLE once the PostgreSQL pool has handed out no connection for this long, so that
    /// a database that cannot be reached answers quickly instead of holding callers (a pool that is merely busy
    /// is waited for). Default 5,000 ms.
    public var databaseConnectTimeoutMs = 5_000
    /// PostgreSQL: redeems and reserving validates of one campaign committed in one transaction at most (a
    /// server's group commit on a hot code: one row lock hand-over and one commit per batch). Default 64.
    public var databaseRedeemBatchMax = 64
    /// PostgreSQL: redeems and reserving validates waiting per campaign on this server at most; more get
    /// RESOURCE_EXHAUSTED. Default 10,000.
    public var databaseRedeemQueueMax = 10_000
    /// PostgreSQL: batches of different campaigns this server runs at once (at most databasePoolSize - 1).
    /// Default 8.
    public var databaseRedeemBatchesMax = 8
    /// PostgreSQL: codes whose campaign this server remembers, so a redeem is queued under the right campaign
    /// without a look-up (a code never moves; when full, the memory starts over). Default 100,000.
    public var databaseCachedCodesMax = 100_000
    /// PostgreSQL: callers (players and IPs) whose lock-out by the guessing limit this server remembers for its
    /// early refusals (the binding count is in the database; when full, ended lock-outs go first). Default 100,000.
    public var databaseLockoutsRememberedMax = 100_000
    /// When a commit is acknowledged: `full` (default: on stable storage, survives power loss) or `normal`
    /// (survives a crash of the process; the embedded SQLite store's `synchronous=NORMAL`).
    public var durability: CommitDurability = .full
    /// Jobs committed together by the group-commit writer at most. Default 512.
    public var writeBatchMax = 512
    /// Writes queued at most before new ones fail with UNAVAILABLE. Default 100,000.
    public var writeQueueMax = 100_000
    /// How long a database connection waits for a lock held by another process (a backup tool, an operator's
    /// sqlite3 shell) before the call fails with UNAVAILABLE. Default 5,000 ms.
    public var storeBusyTimeoutMs = 5_000
    /// A frame whose first bytes arrived must be complete within this many ms, or the connection is closed
    /// (slowloris: a peer dribbling a frame byte by byte never looks idle). Default 10,000 ms.
    public var frameReadTimeoutMs = 10_000
    /// Failed validate/redeem attempts (unknown, inactive or expired codes; see `Verdict.countsAsFailedAttempt`)
    /// one user may make within `rateLimitWindowMs` before every attempt of theirs is answered RATE_LIMITED
    /// for `rateLimitCooldownMs`. 0 turns the per-user limit off. Default 10.
    public var rateLimitUserFailuresMax = 10
    /// The same limit per player IP (`UserContext.ip`; calls without one are limited by user only), higher
    /// because players share addresses behind NATs. 0 turns it off. Default 30.
    public var rateLimitIpFailuresMax = 30
    /// The sliding window failed attempts are counted in. Default 60,000 ms.
    public var rateLimitWindowMs = 60_000
    /// How long a caller past the limit is refused. Default 60,000 ms.
    public var rateLimitCooldownMs = 60_000
    /// Users and, separately, IPs tracked at most; beyond it the quietest are forgotten first. About 100
    /// bytes each. Default 100,000.
    public var rateLimitTrackedCallersMax = 100_000
    /// Folder the `backup` RPC writes into (created 0700). Default nil: `<dataDirectory>/backups`.
    public var backupDirectory: String?
    /// Pages copied per SQLite backup step (4 MiB at SQLite's 4 KiB pages); between steps a closing server
    /// stops the backup. Default 1,024.
    public var backupStepPages = 1_024
    /// Pause between backup steps, to leave disk bandwidth to redeems on a busy disk. Default 0 ms.
    public var backupStepPauseMs = 0
    /// Largest chunk one `fetch_backup` returns (larger requests get this much); never more than half of
    /// `frameBytesMax`, so a chunk and its envelope always fit a frame. Default 256 KiB.
    public var backupChunkBytesMax = 256 << 10
    /// The chunk limit in force: `backupChunkBytesMax`, capped at `frameBytesMax / 2`.
    public var backupChunkBytes: Int { min(backupChunkBytesMax, frameBytesMax / 2) }
    /// Finished backups kept in `backupDirectory`; after each backup the oldest beyond this are deleted.
    /// 0 keeps all. Default 10.
    public var backupsKeepMax = 10
    /// PEM certificate chain (leaf first) to serve TLS with. TLS is on when this and `tlsPrivateKeyPath` are
    /// set; setting only one of them is an error. Default nil: plaintext TCP.
    public var tlsCertificatePath: String?
    /// PEM private key (unencrypted) of `tlsCertificatePath`. Default nil.
    public var tlsPrivateKeyPath: String?
    /// PEM CA certificate(s); when set, every client must present a certificate signed by one of them (mTLS).
    /// Default nil: no client certificate asked for.
    public var tlsClientCAPath: String?
    /// Oldest TLS version accepted: `1.2` or `1.3`. Default `1.2`.
    public var tlsMinimumVersion = "1.2"
    /// A TLS handshake not finished this long after the TCP connection opened is abandoned and the
    /// connection closed (no slowloris through the handshake). Default 10,000 ms.
    public var tlsHandshakeTimeoutMs = 10_000
    /// Serve the operations HTTP port (`/metrics`, `/healthz`, `/readyz`). Metrics are counted either way.
    /// Default true.
    public var metricsEnabled = true
    /// Interface of the operations HTTP port. Default 127.0.0.1: scrapers usually run beside the service.
    public var metricsHost = "127.0.0.1"
    /// Operations HTTP port; 0 picks a free one. Default 7421.
    public var metricsPort = 7421
    /// Failed authentications (a wrong key in `hello` or in the console's `Authorization: Bearer`) from one
    /// peer IP within `rateLimitWindowMs`; the one that reaches it starts a `rateLimitCooldownMs` cool-down in
    /// which every authentication from that address is refused with RESOURCE_EXHAUSTED (HTTP 429). 0 turns it
    /// off. Default 20.
    public var authFailuresPerIpMax = 20
    /// Serve the console's HTTP/JSON API and web pages (`consoleHost:consolePort`). Default true.
    public var consoleEnabled = true
    /// Interface of the console port. Default 127.0.0.1: put a TLS proxy or `tls*` in front to expose it.
    public var consoleHost = "127.0.0.1"
    /// Console HTTP port; 0 picks a free one. Default 7422.
    public var consolePort = 7422
    /// Largest request body the console port reads (one JSON request); larger ones are answered 413 unread.
    /// JSON is wordier than protobuf, hence above `frameBytesMax`. Default 4 MiB.
    public var consoleBodyBytesMax = 4 << 20
    /// Open console connections at most; further ones wait in the listen backlog until one closes. Default 256.
    public var consoleConnectionsMax = 256
    /// A console connection with nothing read for this long is closed (keep-alive included). Default 60,000 ms.
    public var consoleIdleTimeoutMs = 60_000
    /// A request on the console port must arrive whole (headers and body) within this long of its first byte,
    /// or the connection is closed (slowloris). Default 10,000 ms.
    public var consoleReadTimeoutMs = 10_000
    /// Open connections to the operations port at most; more are closed at once. Default 16.
    public var metricsConnectionsMax = 16
    /// Bytes an HTTP client may send the operations port before it gets an answer (request line, headers,
    /// any body); beyond it the connection is closed. Default 16 KiB.
    public var metricsRequestBytesMax = 16 * 1_024
    /// An operations-port connection with nothing read or written for this long is closed. Default 30,000 ms.
    public var metricsIdleTimeoutMs = 30_000

    public init() {}

    public var adminKeyPath: String { dataDirectory + "/admin.key" }
    public var backupPath: String { backupDirectory ?? dataDirectory + "/backups" }

    /// The guessing limit as the store keeps it (`RedeemStorage`), from the `rateLimit*` settings.
    public var guessingLimit: GuessingLimit {
        func policy(_ failuresMax: Int) -> FailedAttemptWindow.Policy {
            FailedAttemptWindow.Policy(
                failuresMax: failuresMax, windowMs: Int64(rateLimitWindowMs), cooldownMs: Int64(rateLimitCooldownMs))
        }
        return GuessingLimit(
            userPolicy: policy(rateLimitUserFailuresMax), ipPolicy: policy(rateLimitIpFailuresMax),
            callersMax: rateLimitTrackedCallersMax)
    }

    /// Rejects values that cannot work, with the name of the offending setting.
    public func validate() throws(ServerError) {
        func require(_ condition: Bool, _ message: String) throws(ServerError) {
            if !condition { throw ServerError(.invalidArgument, "configuration: \(message)") }
        }
        try require((0...65_535).contains(port), "port must be 0...65535")
        try require(frameBytesMax >= 1_024 && frameBytesMax <= 64 << 20, "frameBytesMax must be 1 KiB...64 MiB")
        try require(connectionsMax >= 1, "connectionsMax must be at least 1")
        try require(idleTimeoutMs >= 10, "idleTimeoutMs must be at least 10")
        try require(inFlightPerConnectionMax >= 1, "inFlightPerConnectionMax must be at least 1")
        try require(preHelloFramesMax >= 1, "preHelloFramesMax must be at least 1")
        try require(outboundBytesMax >= 64 << 10 && outboundBytesMax <= 1 << 30, "outboundBytesMax must be 64 KiB...1 GiB")
        try require(writeStallTimeoutMs >= 10, "writeStallTimeoutMs must be at least 10")
        try require(shutdownGraceMs >= 0, "shutdownGraceMs must not be negative")
        try require(pageSizeDefault >= 1 && pageSizeMax >= pageSizeDefault, "need 1 <= pageSizeDefault <= pageSizeMax")
        try require(generateCountMax >= 1 && generateInlineCodesMax >= 0 && generateChunkCodes >= 1, "generate limits must be positive")
        try require(guessProbabilityMax > 0 && guessProbabilityMax <= 1, "guessProbabilityMax must be in (0, 1]")
        try require(importCodesMax >= 1, "importCodesMax must be at least 1")
        try require(codeStatusChunkCodes >= 1, "codeStatusChunkCodes must be at least 1")
        try require(offersCampaignsMax >= 1 && offersCampaignsMax <= 1_000, "offersCampaignsMax must be 1...1000")
        try require(blocksMax >= 1, "blocksMax must be at least 1")
        try require(exportPageSizeDefault >= 1 && exportPageSizeMax >= exportPageSizeDefault, "need 1 <= exportPageSizeDefault <= exportPageSizeMax")
        try require(reportTopDefault >= 1 && reportTopMax >= reportTopDefault && reportBreakdownMax >= 1 && compareCampaignsMax >= 1, "report limits must be positive")
        try require(failureFlushMs >= 10 && failureBufferMax >= 1, "failureFlushMs >= 10 and failureBufferMax >= 1")
        try require(readerCount >= 1 && readerCount <= 64, "readerCount must be 1...64")
        try require(validateViewCodesMax >= 0 && validateViewUsersMax >= 1,
            "validateViewCodesMax must not be negative and validateViewUsersMax must be at least 1")
        try require(walCheckpointPages >= 1 && walCatchUpPages >= 0 && walPagesMax >= walCheckpointPages,
            "need walCheckpointPages >= 1, walCatchUpPages >= 0 and walPagesMax >= walCheckpointPages")
        try require(storageFaultLogIntervalMs >= 0, "storageFaultLogIntervalMs must not be negative")
        try require(idempotencyRetentionMs >= 1 && reservationRetentionMs >= 0, "idempotencyRetentionMs >= 1 and reservationRetentionMs >= 0")
        try require(purgeIntervalMs >= 10 && purgeBatchRows >= 1, "purgeIntervalMs >= 10 and purgeBatchRows >= 1")
        try require(reportDimensionKeysPerHourMax >= 1, "reportDimensionKeysPerHourMax must be at least 1")
        try require(databaseUrl.map { !$0.isEmpty } ?? true, "databaseUrl must not be empty")
        try require((1...1_000).contains(databasePoolSize), "databasePoolSize must be 1...1000")
        try require((10...600_000).contains(databaseConnectTimeoutMs), "databaseConnectTimeoutMs must be 10...600000")
        try require(
            (1...10_000).contains(databaseRedeemBatchMax) && databaseRedeemQueueMax >= 1 && databaseRedeemBatchesMax >= 1,
            "databaseRedeemBatchMax must be 1...10000, databaseRedeemQueueMax and databaseRedeemBatchesMax at least 1")
        try require(
            (1...10_000_000).contains(databaseCachedCodesMax) && (1...10_000_000).contains(databaseLockoutsRememberedMax),
            "databaseCachedCodesMax and databaseLockoutsRememberedMax must be 1...10000000")
        try require(writeBatchMax >= 1 && writeQueueMax >= 1, "writeBatchMax and writeQueueMax must be at least 1")
        try require((0...600_000).contains(storeBusyTimeoutMs), "storeBusyTimeoutMs must be 0...600000")
        try require(bulkSliceRows >= 1 && bulkBatchMsMax >= 0, "bulkSliceRows >= 1 and bulkBatchMsMax >= 0")
        try require(bulkShareMax >= 0.05 && bulkShareMax <= 1, "bulkShareMax must be 0.05...1")
        try require((1...1_000).contains(bulkShareWindowMs), "bulkShareWindowMs must be 1...1000")
        try require(frameReadTimeoutMs >= 10, "frameReadTimeoutMs must be at least 10")
        try require(rateLimitUserFailuresMax >= 0 && rateLimitIpFailuresMax >= 0, "rate limits must not be negative")
        try require(rateLimitWindowMs >= 1 && rateLimitCooldownMs >= 0, "rateLimitWindowMs >= 1 and rateLimitCooldownMs >= 0")
        try require(rateLimitTrackedCallersMax >= 16, "rateLimitTrackedCallersMax must be at least 16")
        try require(backupDirectory.map { !$0.isEmpty } ?? true, "backupDirectory must not be empty")
        try require((1...1_000_000).contains(backupStepPages), "backupStepPages must be 1...1000000")
        try require((0...10_000).contains(backupStepPauseMs), "backupStepPauseMs must be 0...10000")
        try require(backupChunkBytesMax >= 512, "backupChunkBytesMax must be at least 512")
        try require(backupsKeepMax >= 0, "backupsKeepMax must not be negative")
        let onlyTLSFile = tlsCertificatePath == nil ? "tlsPrivateKeyPath" : "tlsCertificatePath"
        try require((tlsCertificatePath == nil) == (tlsPrivateKeyPath == nil),
            "tlsCertificatePath and tlsPrivateKeyPath must be set together (got only \(onlyTLSFile))")
        try require(tlsClientCAPath == nil || tlsCertificatePath != nil,
            "tlsClientCAPath (mTLS) needs TLS: set tlsCertificatePath and tlsPrivateKeyPath too")
        try require(["1.2", "1.3"].contains(tlsMinimumVersion), "tlsMinimumVersion must be 1.2 or 1.3")
        try require(tlsHandshakeTimeoutMs >= 10, "tlsHandshakeTimeoutMs must be at least 10")
        try require((0...65_535).contains(metricsPort), "metricsPort must be 0...65535")
        try require(!metricsEnabled || metricsPort == 0 || metricsPort != port, "metricsPort must differ from port")
        try require(metricsConnectionsMax >= 1, "metricsConnectionsMax must be at least 1")
        try require(metricsRequestBytesMax >= 1_024 && metricsRequestBytesMax <= 1 << 20,
            "metricsRequestBytesMax must be 1 KiB...1 MiB")
        try require(metricsIdleTimeoutMs >= 10, "metricsIdleTimeoutMs must be at least 10")
        try require(authFailuresPerIpMax >= 0, "authFailuresPerIpMax must not be negative")
        try require((0...65_535).contains(consolePort), "consolePort must be 0...65535")
        try require(!consoleEnabled || consolePort == 0 || (consolePort != port && (!metricsEnabled || consolePort != metricsPort)),
            "consolePort must differ from port and metricsPort")
        try require(consoleBodyBytesMax >= 1_024 && consoleBodyBytesMax <= 64 << 20, "consoleBodyBytesMax must be 1 KiB...64 MiB")
        try require(consoleConnectionsMax >= 1, "consoleConnectionsMax must be at least 1")
        try require(consoleIdleTimeoutMs >= 10 && consoleReadTimeoutMs >= 10,
            "consoleIdleTimeoutMs and consoleReadTimeoutMs must be at least 10")
        if let key = bootstrapAdminKey {
            try require(key.utf8.count >= 32 && key.utf8.count <= apiKeyBytesMax,
                "PROMO_ADMIN_KEY must be 32...\(apiKeyBytesMax) bytes")
        }
    }
}
