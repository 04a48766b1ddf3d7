import Testing

@testable import PromoDomain

@Suite struct FailedAttemptWindowTests {
    let policy = FailedAttemptWindow.Policy(failuresMax: 3, windowMs: 60_000, cooldownMs: 30_000)
    let t0: Int64 = 1_800_000_000_000  // on a window boundary (a multiple of 60,000)

    @Test func theFailureThatReachesTheLimitStartsTheCooldown() {
        var window = FailedAttemptWindow(nowMs: t0, policy: policy)
        for second in 0..<2 {
            let started = window.recordFailure(nowMs: t0 + Int64(second) * 1_000, policy: policy)
            #expect(!started)
            #expect(!window.isLockedOut(nowMs: t0 + Int64(second) * 1_000))
        }
        let started = window.recordFailure(nowMs: t0 + 2_000, policy: policy)
        #expect(started)
        #expect(window.isLockedOut(nowMs: t0 + 2_000))
        #expect(window.isLockedOut(nowMs: t0 + 31_999))
        #expect(!window.isLockedOut(nowMs: t0 + 32_000))
        #expect(window.lockedUntilMs == t0 + 32_000)
    }

    @Test func afterTheCooldownTheCallerStartsClean() {
        var window = FailedAttemptWindow(nowMs: t0, policy: policy)
        for _ in 0..<3 { _ = window.recordFailure(nowMs: t0, policy: policy) }
        #expect(window.isLockedOut(nowMs: t0 + 1))
        // One mistake after the cool-down does not lock out again; only a full limit's worth does.
        let later = t0 + 31_000
        for _ in 0..<2 {
            let started = window.recordFailure(nowMs: later, policy: policy)
            #expect(!started)
        }
        let started = window.recordFailure(nowMs: later, policy: policy)
        #expect(started)
    }

    @Test func failuresInThePreviousWindowCountByTheirOverlap() {
        var window = FailedAttemptWindow(nowMs: t0, policy: policy)
        // Two failures late in the first window...
        for _ in 0..<2 { _ = window.recordFailure(nowMs: t0 + 59_000, policy: policy) }
        // ...a quarter into the next window they still weigh 2 × 0.75 = 1.5: one more (2.5) stays under the
        // limit, a second (3.5) reaches it, where two fresh failures alone would not.
        let third = window.recordFailure(nowMs: t0 + 75_000, policy: policy)
        #expect(!third)
        let fourth = window.recordFailure(nowMs: t0 + 75_000, policy: policy)
        #expect(fourth)
    }

    @Test func failuresSpreadThinlyNeverLockOut() {
        var window = FailedAttemptWindow(nowMs: t0, policy: policy)
        // One failure every 40 s is at most 2 in any sliding minute (the estimate peaks at 2.33): under the
        // limit of 3 for an hour.
        for step in 0..<90 {
            let started = window.recordFailure(nowMs: t0 + Int64(step) * 40_000, policy: policy)
            #expect(!started)
        }
    }

    @Test func aWindowMoreThanOneWindowAgoIsForgotten() {
        var window = FailedAttemptWindow(nowMs: t0, policy: policy)
        for _ in 0..<2 { _ = window.recordFailure(nowMs: t0 + 1_000, policy: policy) }
        #expect(window.estimate(nowMs: t0 + 1_000, policy: policy) == 2)
        // Two windows later nothing of it remains.
        let started = window.recordFailure(nowMs: t0 + 125_000, policy: policy)
        #expect(!started)
        #expect(window.estimate(nowMs: t0 + 125_000, policy: policy) == 1)
    }

    @Test func aZeroLimitNeverLocksOut() {
        let off = FailedAttemptWindow.Policy(failuresMax: 0, windowMs: 60_000, cooldownMs: 30_000)
        var window = FailedAttemptWindow(nowMs: t0, policy: off)
        for _ in 0..<1_000 {
            let started = window.recordFailure(nowMs: t0, policy: off)
            #expect(!started)
        }
        #expect(!window.isLockedOut(nowMs: t0))
    }

    @Test func forgettableOnlyWithoutCooldownOrRecentFailures() {
        var window = FailedAttemptWindow(nowMs: t0, policy: policy)
        _ = window.recordFailure(nowMs: t0, policy: policy)
        #expect(!window.isForgettable(nowMs: t0 + 60_000, policy: policy))
        #expect(window.isForgettable(nowMs: t0 + 120_000, policy: policy))
        for _ in 0..<4 { _ = window.recordFailure(nowMs: t0 + 119_000, policy: policy) }
        #expect(!window.isForgettable(nowMs: t0 + 120_000, policy: policy))  // locked out until 149,000
        #expect(window.isForgettable(nowMs: t0 + 240_000, policy: policy))
    }

    @Test func pendingSlotsCountAgainstTheLimitUntilSettled() {
        var window = FailedAttemptWindow(nowMs: t0, policy: policy)
        for _ in 0..<3 { let r1 = window.reserve(nowMs: t0, policy: policy); #expect(r1) }
        // Three attempts are being judged: a fourth could make four failures, so it gets no slot.
        let r2 = window.reserve(nowMs: t0, policy: policy); #expect(!r2)
        #expect(!window.isForgettable(nowMs: t0 + 600_000, policy: policy))
        // One turns out a success: its slot is free again.
        let r3 = window.settle(failed: false, nowMs: t0, policy: policy); #expect(!r3)
        let r4 = window.reserve(nowMs: t0, policy: policy); #expect(r4)
        // All three others fail: the third failure reaches the limit and starts the cool-down.
        let r5 = window.settle(failed: true, nowMs: t0, policy: policy); #expect(!r5)
        let r6 = window.settle(failed: true, nowMs: t0, policy: policy); #expect(!r6)
        let r7 = window.settle(failed: true, nowMs: t0, policy: policy); #expect(r7)
        #expect(window.isLockedOut(nowMs: t0 + 1))
        #expect(window.pending == 0)
    }

    @Test func onlyRefusalsAGuesserMeetsCount() {
        let counted = Set(Verdict.allCases.filter(\.countsAsFailedAttempt))
        #expect(counted == [.codeNotFound, .codeInactive, .campaignInactive, .notYetValid, .expired, .reservationNotFound])
    }
}

@Suite struct FailedAttemptTableTests {
    let policy = FailedAttemptWindow.Policy(failuresMax: 2, windowMs: 60_000, cooldownMs: 60_000)
    let t0: Int64 = 1_800_000_000_000

    @Test func callersAreCountedSeparately() {
        var table = FailedAttemptTable<String>(policy: policy, callersMax: 100)
        for _ in 0..<3 { table.recordFailure("mallory", nowMs: t0) }
        table.recordFailure("alice", nowMs: t0)
        #expect(table.isLockedOut("mallory", nowMs: t0 + 1))
        #expect(!table.isLockedOut("alice", nowMs: t0 + 1))
        #expect(!table.isLockedOut("bob", nowMs: t0 + 1))
    }

    @Test func memoryStaysBoundedUnderASprayOfNewCallers() {
        var table = FailedAttemptTable<String>(policy: policy, callersMax: 64)
        for index in 0..<10_000 {
            table.recordFailure("spray-\(index)", nowMs: t0 + Int64(index))
            #expect(table.trackedCount <= 64)
        }
    }

    @Test func aSprayDoesNotEvictAnActiveLockout() {
        var table = FailedAttemptTable<String>(policy: policy, callersMax: 64)
        for _ in 0..<3 { table.recordFailure("mallory", nowMs: t0) }
        #expect(table.isLockedOut("mallory", nowMs: t0))
        // Thousands of one-off failures from fresh identities, all inside the cool-down.
        for index in 0..<5_000 { table.recordFailure("sock-\(index)", nowMs: t0 + 1 + Int64(index)) }
        #expect(table.isLockedOut("mallory", nowMs: t0 + 10_000))
    }

    @Test func quietCallersAreForgottenFirst() {
        var table = FailedAttemptTable<String>(policy: policy, callersMax: 16)
        for index in 0..<16 { table.recordFailure("old-\(index)", nowMs: t0) }
        // Two windows later the old ones hold nothing worth keeping: a new caller replaces all of them.
        table.recordFailure("new", nowMs: t0 + 180_000)
        #expect(table.trackedCount == 1)
    }
}

@Suite struct GuessingLimitTests {
    let t0: Int64 = 1_800_000_000_000

    func limit(users: Int = 3, ips: Int = 5, callersMax: Int = 1_000) -> GuessingLimit {
        func policy(_ max: Int) -> FailedAttemptWindow.Policy {
            FailedAttemptWindow.Policy(failuresMax: max, windowMs: 60_000, cooldownMs: 60_000)
        }
        return GuessingLimit(userPolicy: policy(users), ipPolicy: policy(ips), callersMax: callersMax)
    }

    @Test func exactlyTheLimitOfFailuresIsShown() {
        var limit = limit()
        let shown = (0..<100).map { _ in limit.admit(.codeNotFound, userId: "u", ip: "", nowMs: t0) }
        #expect(shown.filter { $0 == .codeNotFound }.count == 3)
        #expect(shown.dropFirst(3).allSatisfy { $0 == .rateLimited })
        // Locked out: even a success is refused, and someone else is not affected.
        let r8 = limit.admit(.ok, userId: "u", ip: "", nowMs: t0 + 1); #expect(r8 == .rateLimited)
        let r9 = limit.admit(.ok, userId: "v", ip: "", nowMs: t0 + 1); #expect(r9 == .ok)
    }

    @Test func oneIpIsLimitedAcrossUsers() {
        var limit = limit()
        let shown = (0..<50).map { index in limit.admit(.codeNotFound, userId: "u\(index)", ip: "192.0.2.1", nowMs: t0) }
        #expect(shown.filter { $0 == .codeNotFound }.count == 5)
    }

    @Test func refusalsAboutARealCodeAndSuccessesNeverCount() {
        var limit = limit()
        for verdict in [Verdict.ok, .limitReached, .userLimitReached, .notEligible, .minDepositNotMet] {
            for _ in 0..<10 { let r10 = limit.admit(verdict, userId: "u", ip: "192.0.2.1", nowMs: t0); #expect(r10 == verdict) }
        }
        #expect(!limit.isLockedOut(userId: "u", ip: "192.0.2.1", nowMs: t0))
    }

    @Test func slotsAndAdmittedFailuresShareTheLimit() {
        var limit = limit()
        // Two attempts with effects hold slots while a plain one is judged: only one more failure fits.
        let r11 = limit.reserve(userId: "u", ip: "192.0.2.1", nowMs: t0); #expect(r11)
        let r12 = limit.reserve(userId: "u", ip: "192.0.2.1", nowMs: t0); #expect(r12)
        let r13 = limit.admit(.codeNotFound, userId: "u", ip: "192.0.2.1", nowMs: t0); #expect(r13 == .codeNotFound)
        let r14 = limit.admit(.codeNotFound, userId: "u", ip: "192.0.2.1", nowMs: t0); #expect(r14 == .rateLimited)
        let r15 = limit.reserve(userId: "u", ip: "192.0.2.1", nowMs: t0); #expect(!r15)
        // The slots end as a success and as an error: neither counts, so there is room again.
        limit.settle(.ok, userId: "u", ip: "192.0.2.1", nowMs: t0)
        limit.settle(nil, userId: "u", ip: "192.0.2.1", nowMs: t0)
        let r16 = limit.reserve(userId: "u", ip: "192.0.2.1", nowMs: t0); #expect(r16)
        limit.settle(.expired, userId: "u", ip: "192.0.2.1", nowMs: t0)
        let r17 = limit.admit(.codeNotFound, userId: "u", ip: "192.0.2.1", nowMs: t0); #expect(r17 == .codeNotFound)
        #expect(limit.isLockedOut(userId: "u", ip: "192.0.2.1", nowMs: t0 + 1))
        #expect(limit.users.trackedCount == 1 && limit.ips.trackedCount == 1)
    }

    @Test func aFullIpRefusesASlotWithoutTakingTheUsers() {
        var limit = limit(users: 3, ips: 1)
        let r18 = limit.reserve(userId: "a", ip: "192.0.2.1", nowMs: t0); #expect(r18)
        let r19 = limit.reserve(userId: "b", ip: "192.0.2.1", nowMs: t0); #expect(!r19)
        limit.settle(.ok, userId: "a", ip: "192.0.2.1", nowMs: t0)
        // b's refused attempt took nothing: b still has all three of its own.
        for _ in 0..<3 { let r20 = limit.admit(.codeNotFound, userId: "b", ip: "", nowMs: t0); #expect(r20 == .codeNotFound) }
    }

    @Test func zeroTurnsBothLimitsOff() {
        var limit = limit(users: 0, ips: 0)
        for _ in 0..<100 {
            let r21 = limit.reserve(userId: "u", ip: "192.0.2.1", nowMs: t0); #expect(r21)
            limit.settle(.codeNotFound, userId: "u", ip: "192.0.2.1", nowMs: t0)
            let r22 = limit.admit(.codeNotFound, userId: "u", ip: "192.0.2.1", nowMs: t0); #expect(r22 == .codeNotFound)
        }
        #expect(limit.users.trackedCount == 0 && limit.ips.trackedCount == 0)
    }

    @Test func aCallerHoldingASlotIsNeverEvicted() {
        var limit = limit(callersMax: 16)
        let r23 = limit.reserve(userId: "holder", ip: "", nowMs: t0); #expect(r23)
        for index in 0..<1_000 { _ = limit.admit(.codeNotFound, userId: "spray-\(index)", ip: "", nowMs: t0) }
        #expect(limit.users.trackedCount <= 16)
        limit.settle(.codeNotFound, userId: "holder", ip: "", nowMs: t0)
        // The settled failure was counted on the holder's own window: two more reach the limit.
        let r24 = limit.admit(.codeNotFound, userId: "holder", ip: "", nowMs: t0); #expect(r24 == .codeNotFound)
        let r25 = limit.admit(.codeNotFound, userId: "holder", ip: "", nowMs: t0); #expect(r25 == .codeNotFound)
        #expect(limit.isLockedOut(userId: "holder", ip: "", nowMs: t0))
    }
}
