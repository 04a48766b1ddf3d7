import Testing

@testable import PromoDomain

@Suite struct GuessabilityTests {
    @Test func theDefaultBoundIsOneInTenThousand() {
        let atBound = GuessabilityAssessment(spaceSize: 1_000_000, issuedCount: 0, requestedCount: 100)
        #expect(atBound.hitProbability == 0.0001)
        #expect(atBound.isAcceptable)
        let past = GuessabilityAssessment(spaceSize: 1_000_000, issuedCount: 0, requestedCount: 101)
        #expect(!past.isAcceptable)
    }

    @Test func codesAlreadyIssuedCount() {
        let assessment = GuessabilityAssessment(spaceSize: 1_000_000, issuedCount: 60, requestedCount: 41)
        #expect(assessment.liveCountAfter == 101)
        #expect(!assessment.isAcceptable)
        #expect(assessment.liveCountMax == 100)
        #expect(assessment.requestableCountMax == 40)
    }

    @Test func refusalExplainsWithNumbers() {
        let assessment = GuessabilityAssessment(spaceSize: 4096, issuedCount: 10, requestedCount: 5)
        do {
            try assessment.requireAcceptable()
            Issue.record("accepted 15 codes in a space of 4096")
        } catch {
            #expect(error.code == .failedPrecondition)
            #expect(error.message.contains("4096"))
            #expect(error.message.contains("at most 0 more"))
        }
        #expect(throws: Never.self) {
            try GuessabilityAssessment(spaceSize: 4096, issuedCount: 0, requestedCount: 0).requireAcceptable()
        }
    }

    @Test func aSpaceCannotHoldMoreCodesThanItHas() {
        let assessment = GuessabilityAssessment(
            spaceSize: 10, issuedCount: 10, requestedCount: 1, hitProbabilityMax: 1)
        #expect(assessment.hitProbability > 1)
        #expect(!assessment.isAcceptable)
        #expect(
            GuessabilityAssessment(spaceSize: 10, issuedCount: 9, requestedCount: 1, hitProbabilityMax: 1)
                .isAcceptable)
        #expect(!GuessabilityAssessment(spaceSize: 0, issuedCount: 0, requestedCount: 0).isAcceptable)
        let oneShort = GuessabilityAssessment(
            spaceSize: 1 << 60, issuedCount: 1 << 60, requestedCount: 1, hitProbabilityMax: 1)
        #expect(oneShort.hitProbability == 1)  // the ratio alone cannot tell
        #expect(!oneShort.isAcceptable)
    }

    @Test func hugeFiguresSaturateInsteadOfTrapping() {
        let full = GuessabilityAssessment(
            spaceSize: .max, issuedCount: .max, requestedCount: 1, hitProbabilityMax: 1)
        #expect(full.liveCountAfter == .max)
        #expect(full.liveCountMax == .max)
        #expect(full.requestableCountMax == 0)
        let roomy = GuessabilityAssessment(spaceSize: .max, issuedCount: 0, requestedCount: 1_000_000)
        #expect(roomy.isAcceptable)
    }

    @Test func aRealPatternAgainstTheGuard() throws {
        // 31^8 = 852,891,037,441 codes hold 85,289,103 live codes within one in ten thousand.
        let space = try CodePattern("****-****").spaceSize
        let assessment = GuessabilityAssessment(spaceSize: space, issuedCount: 0, requestedCount: 1_000_000)
        #expect(assessment.isAcceptable)
        #expect(assessment.liveCountMax == 85_289_103)
        // 4 digits hold none.
        #expect(
            !GuessabilityAssessment(
                spaceSize: try CodePattern("####").spaceSize, issuedCount: 0, requestedCount: 1
            ).isAcceptable)
    }
}
