import PromoDomain

/// How the SQLite file is opened and tuned. Every value has a documented default.
public struct StoreConfiguration: Sendable {
    /// `full`: `synchronous=FULL`, a commit is on disk before it is acknowledged, even across power loss.
    /// `normal`: `synchronous=NORMAL`, in WAL mode survives a process crash, may lose the last commits on power loss.
    public typealias Durability = CommitDurability

    /// Path of the database file.
    public var path: String
    /// Default `.full`: an acknowledged redemption must survive a crash.
    public var durability: Durability = .full
    /// How long a connection waits for a lock before failing with `busy`. Default 5,000 ms.
    public var busyTimeoutMs: Int32 = 5_000
    /// WAL pages before a checkpoint copies them into the database file. Default 4,000 (~16 MiB): fewer,
    /// larger checkpoints. The checkpoint runs on a connection and thread of its own (`WALCheckpointer`),
    /// never inside the writer's COMMIT.
    public var walAutocheckpointPages: Int = 4_000
    /// Frames a background checkpoint may leave uncopied for the writer to copy itself after a commit, so that
    /// the WAL can start over from its first frame (under steady writes a checkpoint beside the writer never
    /// catches up alone). The writer's share stays this small: about one fsync. Default 512 (2 MiB).
    public var walCatchUpPages: Int = 512
    /// The WAL's length at most, in pages: past it the writer checkpoints whatever is left itself, as SQLite
    /// would, even if that stalls it (background passes that never catch up). Default 262,144 (1 GiB).
    public var walPagesMax: Int = 262_144
    /// Read-only connections for reads (validate, get, list, history). Default 2.
    public var readerCount: Int = 2
    /// Page cache per connection, in KiB. Default 32 MiB.
    public var cacheKiB: Int = 32 * 1024
    /// Distinct IPs, devices and users whose failed attempts the report totals track per campaign, dimension
    /// and hour; the rest are counted together under `otherDimensionKey`. Default 1,000.
    public var dimensionKeysPerHourMax: Int = 1_000
    /// Codes (and campaigns) the in-memory validate view keeps at most (`ValidateView`); 0 turns the view
    /// off (every plain validate reads SQLite). About 410 bytes of RSS per resident code beyond what the
    /// SQLite path uses (docs/benchmarks.md), so ~100 MiB at the default. Default 250,000.
    public var validateViewCodesMax: Int = 250_000
    /// Players (their blocks and per-campaign counts) the validate view keeps at most. Default 100,000.
    public var validateViewUsersMax: Int = 100_000
    /// The guessing limit's policies and bounds (`RedeemStorage`): the server passes its `rateLimit*`
    /// settings. Default: the server's defaults (10 failures per user, 30 per IP, in 60 s; 60 s cool-down;
    /// 100,000 callers tracked).
    public var guessingLimit = GuessingLimit(
        userPolicy: .init(failuresMax: 10, windowMs: 60_000, cooldownMs: 60_000),
        ipPolicy: .init(failuresMax: 30, windowMs: 60_000, cooldownMs: 60_000), callersMax: 100_000)

    public init(path: String) {
        self.path = path
    }
}
