import Crypto
import PromoDomain
import PromoSync

/// Who a connection is, once `hello` succeeded.
public struct Caller: Sendable, Hashable {
    public let keyId: String
    public let role: Role
    /// For issuer keys: the campaigns they may touch. Empty for every other role.
    public let campaignIds: Set<String>
}

/// The live set of API keys, kept in memory so that `hello` and the per-request revocation check never
/// touch the store or leave the event loop. The store is the source of truth; every change goes to the store
/// first and is applied here only after its commit.
///
/// Keys are looked up by the SHA-256 of the presented secret. The secrets are 256-bit random, so a plain
/// digest is enough (no password stretching needed), and a lookup by digest leaks nothing useful through
/// timing: an attacker cannot choose which stored digest their guess is compared with. The final
/// comparison is constant-time all the same.
public final class ApiKeyRegistry: Sendable {
    private struct State {
        var byDigest: [[UInt8]: ApiKeyRecord] = [:]
        var byId: [String: ApiKeyRecord] = [:]
        /// The live keys' callers, built once per change: `current(keyId:)` runs on every request.
        var callers: [String: Caller] = [:]
    }

    private let state = LockedValue(State())

    public init(records: [ApiKeyRecord] = []) {
        for record in records { apply(record) }
    }

    /// Adds, updates or (when `revokedAtMs` is set) disables a key.
    public func apply(_ record: ApiKeyRecord) {
        state.withLock { state in
            state.byId[record.id] = record
            if record.revokedAtMs == nil {
                state.byDigest[record.secretSHA256] = record
                state.callers[record.id] = Self.caller(record)
            } else {
                state.byDigest[record.secretSHA256] = nil
                state.callers[record.id] = nil
            }
        }
    }

    public func authenticate(secret: String) -> Caller? {
        let digest = Self.digest(of: secret)
        let record = state.withLock { $0.byDigest[digest] }
        guard let record, Self.constantTimeEquals(record.secretSHA256, digest) else { return nil }
        return Self.caller(record)
    }

    /// The caller as of now: nil once the key is revoked, so open connections lose access at once.
    public func current(keyId: String) -> Caller? {
        state.withLock { $0.callers[keyId] }
    }

    public var isEmpty: Bool { state.withLock { $0.byId.isEmpty } }

    public var all: [ApiKeyRecord] {
        state.withLock { Array($0.byId.values) }.sorted { ($0.createdAtMs, $0.id) < ($1.createdAtMs, $1.id) }
    }

    static func digest(of secret: String) -> [UInt8] { Array(SHA256.hash(data: Array(secret.utf8))) }

    private static func caller(_ record: ApiKeyRecord) -> Caller? {
        guard let role = Role(rawValue: record.role) else { return nil }
        return Caller(keyId: record.id, role: role, campaignIds: Set(record.campaignIds))
    }

    private static func constantTimeEquals(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for index in a.indices { difference |= a[index] ^ b[index] }
        return difference == 0
    }
}

/// New key material: a public id and a 256-bit secret, shown to the caller once.
struct NewApiKey {
    let id: String
    let secret: String

    static func generate() -> NewApiKey {
        var generator = SystemRandomNumberGenerator()  // getrandom(2): cryptographically secure
        let id = Hex.lowercase((0..<8).map { _ in UInt8.random(in: .min ... .max, using: &generator) })
        let secret = Hex.lowercase((0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) })
        // The id inside the secret lets operators tell keys apart in logs without revealing them.
        return NewApiKey(id: id, secret: "pk_\(id)_\(secret)")
    }
}
