import Testing

@testable import PromoDomain

@Suite struct FailedAttemptWindowTests {
    let policy = FailedAttemptWindow.Policy(failuresMax: 3, windowMs: 60_000, cooldownMs: 30_000)
    let t0: Int64 = 1_800_000_000_000  // on a window boundary (a multiple of 60,000)

    @Test func theFailureAfterTheLimitStartsTheCooldown() {
        var window = FailedAttemptWindow(nowMs: t0, policy: policy)
        for second in 0..<3 {
            let started = window.recordFailure(nowMs: t0 + Int64(second) * 1_000, policy: policy)
            #expect(!started)
            #expect(!window.isLockedOut(nowMs: t0 + Int64(second) * 1_000))
        }
        let started = window.recordFailure(nowMs: t0 + 3_000, policy: policy)
        #expect(started)
        #expect(window.isLockedOut(nowMs: t0 + 3_000))
        #expect(window.isLockedOut(nowMs: t0 + 32_999))
        #expect(!window.isLockedOut(nowMs: t0 + 33_000))
        #expect(window.lockedUntilMs == t0 + 33_000)
    }

    @Test func afterTheCooldownTheCallerStartsClean() {
        var window = FailedAttemptWindow(nowMs: t0, policy: policy)
        for _ in 0..<4 { _ = window.recordFailure(nowMs: t0, policy: policy) }
        #expect(window.isLockedOut(nowMs: t0 + 1))
        // One mistake after the cool-down does not lock out again; only a full limit's worth does.
        let later = t0 + 31_000
        for _ in 0..<3 {
            let started = window.recordFailure(nowMs: later, policy: policy)
            #expect(!started)
        }
        let started = window.recordFailure(nowMs: later, policy: policy)
        #expect(started)
    }

    @Test func failuresInThePreviousWindowCountByTheirOverlap() {
        var window = FailedAttemptWindow(nowMs: t0, policy: policy)
        // Three failures late in the first window...
        for _ in 0..<3 { _ = window.recordFailure(nowMs: t0 + 59_000, policy: policy) }
        // ...a quarter into the next window they still weigh 3 × 0.75 = 2.25, so one more (3.25) passes the limit.
        let started = window.recordFailure(nowMs: t0 + 75_000, policy: policy)
        #expect(started)
    }

    @Test func failuresSpreadThinlyNeverLockOut() {
        var window = FailedAttemptWindow(nowMs: t0, policy: policy)
        // One failure every 30 s is at most 3 in any sliding minute: at the limit, never past it, for an hour.
        for step in 0..<120 {
            let started = window.recordFailure(nowMs: t0 + Int64(step) * 30_000, policy: policy)
            #expect(!started)
        }
    }

    @Test func aWindowMoreThanOneWindowAgoIsForgotten() {
        var window = FailedAttemptWindow(nowMs: t0, policy: policy)
        for _ in 0..<3 { _ = window.recordFailure(nowMs: t0 + 1_000, policy: policy) }
        #expect(window.estimate(nowMs: t0 + 1_000, policy: policy) == 3)
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
