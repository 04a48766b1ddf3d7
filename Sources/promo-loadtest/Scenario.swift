import ArgumentParser
import PromoClient
import PromoWire

enum Scenario: String, ExpressibleByArgument, CaseIterable, Sendable {
    /// Authenticated round trips with no storage work: the protocol and server floor.
    case hello
    /// Read-only checks of one shared code by ever-new users.
    case validate
    /// Durable redemptions by ever-new users, of one hot shared code or of single-use codes (--codes).
    case redeem
    /// Calls of several kinds in the proportions of --mix.
    case mixed
    /// Batches of --batch unique codes from the default pattern, each durable before it is answered.
    case generate
    /// Whole-campaign reports of --campaign (for example one that an earlier redeem run filled).
    case report
}

enum CodeMode: String, ExpressibleByArgument, CaseIterable, Sendable {
    /// Every redeem uses the campaign's one shared code: all writers contend for one row.
    case hot
    /// Every redeem uses its own single-use code, prepared before the run: no hot row.
    case unique
}

/// What one call is, for the per-kind breakdown of a mixed run and for the checks.
enum CallKind: String, CaseIterable, Sendable, Hashable, Comparable {
    case hello, validate, redeem, generate, report

    static func < (lhs: CallKind, rhs: CallKind) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// The proportions of a mixed run, e.g. `validate=90,redeem=10`.
struct CallMix: ExpressibleByArgument, Sendable, Equatable {
    static let mixable: [CallKind] = [.hello, .validate, .redeem, .report]
    static let defaultMix = CallMix(weights: [(.validate, 90), (.redeem, 10)])

    let weights: [(kind: CallKind, weight: UInt64)]
    private let total: UInt64

    init(weights: [(kind: CallKind, weight: UInt64)]) {
        self.weights = weights
        self.total = weights.reduce(0) { $0 + $1.weight }
    }

    init?(argument: String) {
        var weights: [(kind: CallKind, weight: UInt64)] = []
        for part in argument.split(separator: ",") {
            let pair = part.split(separator: "=")
            guard pair.count == 2, let kind = CallKind(rawValue: String(pair[0])), Self.mixable.contains(kind),
                let weight = UInt64(pair[1]), weight > 0, weight <= 1_000_000,
                !weights.contains(where: { $0.kind == kind })
            else { return nil }
            weights.append((kind, weight))
        }
        guard !weights.isEmpty else { return nil }
        self.init(weights: weights)
    }

    static var defaultValueDescription: String { "validate=90,redeem=10" }
    var defaultValueDescription: String { weights.map { "\($0.kind.rawValue)=\($0.weight)" }.joined(separator: ",") }

    func includes(_ kind: CallKind) -> Bool { weights.contains { $0.kind == kind } }

    func share(of kind: CallKind) -> Double {
        Double(weights.first { $0.kind == kind }?.weight ?? 0) / Double(total)
    }

    /// The kind of call number `n`: a hash of `n` picks a weight slot, so the kinds are interleaved
    /// evenly rather than sent in runs, and the choice costs no system call.
    func kind(forCall n: UInt64) -> CallKind {
        var slot = Self.splitMix(n) % total
        for entry in weights {
            if slot < entry.weight { return entry.kind }
            slot -= entry.weight
        }
        return weights[weights.count - 1].kind
    }

    private static func splitMix(_ value: UInt64) -> UInt64 {
        var z = value &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    static func == (lhs: CallMix, rhs: CallMix) -> Bool {
        lhs.weights.map(\.kind) == rhs.weights.map(\.kind) && lhs.weights.map(\.weight) == rhs.weights.map(\.weight)
    }
}

/// What the drivers send: call number `n` (from 0, shared by all connections) becomes one request.
struct Workload: Sendable {
    let makeCall: @Sendable (UInt64) -> (kind: CallKind, call: Request.Call)
    /// `makeCall` encoded once, when every call is the same but for a user number: what the closed loop sends
    /// (nil: the closed loop encodes each call from `makeCall`).
    var template: CallTemplate? = nil
    /// The campaign the run created or reports on.
    let campaignId: String?
    /// The campaign's redemption limit when --hot-limit was given.
    let hotLimit: UInt64?
    /// Single-use codes prepared for --codes unique, and how many redeems drew one.
    let uniqueCodes: UniqueCodes?
}

/// The single-use codes of a `--codes unique` run: code `i` is `prefix + i`, handed out once each.
final class UniqueCodes: Sendable {
    let prefix: String
    let count: UInt64
    private let drawn = AtomicCounter()

    init(prefix: String, count: UInt64) {
        self.prefix = prefix
        self.count = count
    }

    static func code(prefix: String, index: UInt64) -> String { prefix + String(index, radix: 36).uppercased() }

    /// The next unused code; past `count` the codes repeat (and the server refuses them as used up).
    func next() -> String { Self.code(prefix: prefix, index: drawn.next() % count) }

    var drawnCount: UInt64 { drawn.value }
}

/// Creates what a scenario needs on the server (a campaign, its shared code, single-use codes) and the
/// call maker for the run.
struct WorkloadSetup {
    let scenario: Scenario
    let codes: CodeMode
    let hotLimit: UInt64?
    let uniqueCodes: UInt64
    let mix: CallMix
    let reportCampaign: String?
    let batch: UInt32
    let apiKey: String

    /// Codes per import_codes request: below the server's default limit (10,000) with room to spare.
    static let importChunkCodes: UInt64 = 5_000
    /// import_codes requests kept in flight while preparing, so the group-commit writer batches them.
    static let importsInFlight: UInt64 = 4

    func prepare(using client: FailoverClient) async throws -> Workload {
        var generator = SystemRandomNumberGenerator()
        let runTag = String(generator.next() as UInt64 % 1_000_000_000_000, radix: 36).uppercased()
        let hello = Request.Call.hello(HelloRequest(apiKey: apiKey, clientName: "promo-loadtest"))

        if scenario == .hello {
            return Workload(
                makeCall: { _ in (.hello, hello) }, template: try CallTemplate(kind: .hello, call: hello), campaignId: nil,
                hotLimit: nil, uniqueCodes: nil)
        }
        if scenario == .report, let reportCampaign {
            let report = Request.Call.report(.with { $0.campaignId = reportCampaign })
            return Workload(
                makeCall: { _ in (.report, report) }, template: try CallTemplate(kind: .report, call: report),
                campaignId: reportCampaign, hotLimit: nil, uniqueCodes: nil)
        }

        let sharedCode = "LOAD" + runTag
        let campaignId = try await createCampaign(client: client, code: sharedCode, limit: hotLimit)
        Stderr.line("campaign \(campaignId), shared code \(sharedCode)" + (hotLimit.map { ", limit \($0)" } ?? ""))
        let users = "load-\(runTag)-"

        var unique: UniqueCodes?
        let redeems = scenario == .redeem || (scenario == .mixed && mix.includes(.redeem))
        if redeems && codes == .unique {
            let prepared = UniqueCodes(prefix: "U\(runTag)-", count: uniqueCodes)
            try await importCodes(prepared, campaignId: campaignId, client: client)
            unique = prepared
        }

        let validate: @Sendable (UInt64) -> Request.Call = { n in
            .validate(.with { $0.code = sharedCode; $0.user = .with { $0.userId = CallTemplate.numberedUser(prefix: users, n) } })
        }
        let redeem: @Sendable (UInt64) -> Request.Call = { [unique] n in
            .redeem(.with { $0.code = unique?.next() ?? sharedCode; $0.user = .with { $0.userId = users + String(n) } })
        }
        let report = Request.Call.report(.with { $0.campaignId = campaignId })
        let batch = batch
        let makeCall: @Sendable (UInt64) -> (kind: CallKind, call: Request.Call)
        var template: CallTemplate?
        switch scenario {
        case .hello: makeCall = { _ in (.hello, hello) }
        case .validate:
            makeCall = { n in (.validate, validate(n)) }
            template = try CallTemplate(kind: .validate, call: validate(0), numbered: CallTemplate.numberedUser(prefix: users, 0))
        case .redeem: makeCall = { n in (.redeem, redeem(n)) }
        case .report:
            makeCall = { _ in (.report, report) }
            template = try CallTemplate(kind: .report, call: report)
        case .generate:
            let call = Request.Call.generate(.with { $0.campaignId = campaignId; $0.count = batch })
            makeCall = { _ in (.generate, call) }
            template = try CallTemplate(kind: .generate, call: call)
        case .mixed:
            let mix = mix
            makeCall = { n in
                switch mix.kind(forCall: n) {
                case .validate: (.validate, validate(n))
                case .redeem: (.redeem, redeem(n))
                case .report: (.report, report)
                default: (.hello, hello)
                }
            }
        }
        return Workload(
            makeCall: makeCall, template: template, campaignId: campaignId, hotLimit: hotLimit, uniqueCodes: unique)
    }

    private func createCampaign(client: FailoverClient, code: String, limit: UInt64?) async throws -> String {
        let created = try await client.call(
            .createCampaign(.with {
                $0.code = code
                $0.campaign = .with { campaign in
                    campaign.name = "promo-loadtest \(code)"
                    campaign.kind = .other
                    campaign.active = true
                    campaign.maxRedemptions = limit ?? 0
                    campaign.reward = .with { $0.kind = .bonus; $0.amountMinor = 500; $0.currency = "EUR" }
                }
            }))
        guard case .createCampaign(let answer) = created, let campaignId = answer.campaign?.id else {
            throw ValidationError("create_campaign answered without a campaign")
        }
        return campaignId
    }

    /// Imports `codes.count` single-use codes in chunks, a few requests in flight at a time.
    private func importCodes(_ codes: UniqueCodes, campaignId: String, client: FailoverClient) async throws {
        let clock = ContinuousClock()
        let began = clock.now
        Stderr.line("importing \(codes.count) single-use codes…")
        let chunks = (codes.count + Self.importChunkCodes - 1) / Self.importChunkCodes
        let prefix = codes.prefix
        try await withThrowingTaskGroup(of: Void.self) { group in
            var nextChunk: UInt64 = 0
            func addChunk() {
                let first = nextChunk * Self.importChunkCodes
                let end = min(first + Self.importChunkCodes, codes.count)
                nextChunk += 1
                group.addTask {
                    let request = ImportCodesRequest.with {
                        $0.campaignId = campaignId
                        $0.codes = (first..<end).map { index in
                            .with { $0.code = UniqueCodes.code(prefix: prefix, index: index); $0.maxUses = 1 }
                        }
                    }
                    guard case .importCodes(let answer) = try await client.call(.importCodes(request)) else {
                        throw ValidationError("import_codes answered with another result")
                    }
                    if let first = answer.rejected.first {
                        throw ValidationError("import_codes refused \(answer.rejected.count) code(s), first \(first.code): \(first.reason)")
                    }
                }
            }
            while nextChunk < min(chunks, Self.importsInFlight) { addChunk() }
            while try await group.next() != nil {
                if nextChunk < chunks { addChunk() }
            }
        }
        Stderr.line("imported \(codes.count) codes in \(Format.fixed(Seconds.of(clock.now - began), digits: 1)) s")
    }
}
