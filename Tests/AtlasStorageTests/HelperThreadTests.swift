import AtlasStorage
import Foundation
import Testing

@Suite struct HelperThreadTests {
    /// What a helper saw of its own scheduling.
    struct Seen: Sendable { var idle: Bool; var nice: Int32? }

    static func startAndSee(worksAhead: Bool, policy: HelperThread.BackgroundPolicy) -> Seen {
        final class Box: @unchecked Sendable { var seen: Seen?; let done = DispatchSemaphore(value: 0) }
        let box = Box()
        HelperThread.start(name: "test.policy", worksAhead: worksAhead, policy: policy) {
            box.seen = Seen(idle: HelperThread.hasIdlePolicy(), nice: HelperThread.currentNice())
            box.done.signal()
        }
        box.done.wait()
        return box.seen!
    }

    #if os(Linux)
    @Test func idlePolicyMovesOnlyTheHelperToSchedIdle() throws {
        let callerNice = try #require(HelperThread.currentNice())
        #expect(Self.startAndSee(worksAhead: true, policy: .idle).idle)
        #expect(!HelperThread.hasIdlePolicy(), "only the helper's thread changes")
        #expect(HelperThread.currentNice() == callerNice)
        // A helper the simulation waits on (worksAhead: false) is never stepped back.
        let waitedOn = Self.startAndSee(worksAhead: false, policy: .idle)
        #expect(!waitedOn.idle && waitedOn.nice == callerNice)
    }

    @Test func nicePolicyRaisesTheNiceValueInstead() throws {
        let callerNice = try #require(HelperThread.currentNice())
        let seen = Self.startAndSee(worksAhead: true, policy: .nice)
        #expect(!seen.idle)
        #expect(seen.nice == Swift.min(19, callerNice + HelperThread.niceIncrement))
    }
    #endif

    @Test func policyNamesParseAsTheEnvironmentVariableTakesThem() {
        #expect(HelperThread.BackgroundPolicy(rawValue: "idle") == .idle)
        #expect(HelperThread.BackgroundPolicy(rawValue: "nice") == .nice)
        #expect(HelperThread.BackgroundPolicy(rawValue: "Idle") == nil)
    }
}
