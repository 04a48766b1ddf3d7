import PromoClient
import PromoWire

/// A statement about the run the tool can verify, printed with the figures.
struct RunCheck: Sendable {
    enum State: String, Sendable {
        /// The server did what it must.
        case passed
        /// The server broke a rule: the tool exits 1.
        case failed
        /// The run could not decide (too few calls, lost answers): not the server's fault as far as known.
        case inconclusive
    }

    let name: String
    let state: State
    let message: String
}

enum RunChecks {
    /// The checks that apply to the workload, after the run.
    static func evaluate(workload: Workload, tally: Tally, client: FailoverClient) async -> [RunCheck] {
        var checks: [RunCheck] = []
        if let limit = workload.hotLimit, let campaignId = workload.campaignId {
            checks.append(await hotLimit(limit, campaignId: campaignId, tally: tally, client: client))
        }
        if let codes = workload.uniqueCodes {
            checks.append(uniqueCodes(codes))
        }
        return checks
    }

    /// With a campaign limit of N on the shared code: exactly N redeems succeed, every other one is
    /// LIMIT_REACHED, and the server's own report counts N redemptions. Warm-up calls count too.
    static func hotLimit(_ limit: UInt64, campaignId: String, tally: Tally, client: FailoverClient) async -> RunCheck {
        let name = "hot_limit"
        let outcomes = tally.everyOutcome[.redeem] ?? [:]
        let succeeded = outcomes["OK"] ?? 0
        let refused = outcomes["LIMIT_REACHED"] ?? 0
        let other = outcomes.filter { $0.key != "OK" && $0.key != "LIMIT_REACHED" }
        let total = outcomes.values.reduce(0, +)
        var reported: UInt64?
        if case .report(let report)? = try? await client.call(.report(.with { $0.campaignId = campaignId })) {
            reported = report.redemptions
        }
        let reportText = reported.map { "; the server's report counts \(Format.grouped($0)) redemption(s)" }
            ?? "; the report call failed"
        let otherText = other.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")

        if succeeded > limit || (reported ?? 0) > limit {
            return RunCheck(
                name: name, state: .failed,
                message: "limit \(limit) EXCEEDED: \(Format.grouped(succeeded)) redeems answered OK\(reportText)")
        }
        if total <= limit {
            return RunCheck(
                name: name, state: .inconclusive,
                message: "only \(Format.grouped(total)) redeems sent, not more than the limit \(limit): raise --requests or --duration")
        }
        if !other.isEmpty {
            // Lost answers may have been committed; other refusals mean the limit was not the only rule hit.
            let state: RunCheck.State = (reported == limit && succeeded <= limit) ? .inconclusive : .failed
            return RunCheck(
                name: name, state: state,
                message: "\(Format.grouped(succeeded)) OK, \(Format.grouped(refused)) LIMIT_REACHED and also \(otherText)\(reportText)")
        }
        if succeeded == limit && reported == limit {
            return RunCheck(
                name: name, state: .passed,
                message: "limit \(limit) held: exactly \(Format.grouped(succeeded)) OK, the other \(Format.grouped(refused)) LIMIT_REACHED\(reportText)")
        }
        return RunCheck(
            name: name, state: .failed,
            message: "limit \(limit) not reached although \(Format.grouped(total)) redeems were sent: \(Format.grouped(succeeded)) OK, \(Format.grouped(refused)) LIMIT_REACHED\(reportText)")
    }

    /// Every redeem of a unique-codes run drew a code never used before, unless the prepared ones ran out.
    static func uniqueCodes(_ codes: UniqueCodes) -> RunCheck {
        let drawn = codes.drawnCount
        if drawn > codes.count {
            return RunCheck(
                name: "unique_codes", state: .inconclusive,
                message: "ran out: \(Format.grouped(drawn)) redeems for \(Format.grouped(codes.count)) prepared codes, so later ones reused used-up codes; pass a larger --unique-codes")
        }
        return RunCheck(
            name: "unique_codes", state: .passed,
            message: "\(Format.grouped(drawn)) redeems, each of its own single-use code (\(Format.grouped(codes.count)) prepared)")
    }
}
