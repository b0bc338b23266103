import AerCore
import Testing

/// Runs `wait` and reports whether it returned on its own: if it has not returned after `rescueAfter`, far
/// longer than a prompt return takes, the wakeup is signalled so that a broken wait fails the test instead of
/// hanging the suite.
func returnsUnaided(_ wakeup: Wakeup, rescueAfter: Duration = .seconds(30), _ wait: @escaping @Sendable () async -> Void) async -> Bool {
    await withTaskGroup(of: Bool.self) { group in
        group.addTask {
            await wait()
            return true
        }
        group.addTask {
            do { try await Task.sleep(for: rescueAfter) } catch { return true }
            wakeup.signal()
            return false
        }
        let first = await group.next()!
        group.cancelAll()
        return first
    }
}

@Suite("Wakeup")
struct WakeupTests {
    @Test("a wait in a task cancelled before it began returns at once, with no signal")
    func cancelledBeforeWaiting() async {
        let wakeup = Wakeup()
        #expect(await returnsUnaided(wakeup) {
            withUnsafeCurrentTask { $0?.cancel() }
            await wakeup.wait(timeout: .seconds(3600))
        })
    }

    @Test("cancelling a waiting task returns its wait, whenever the cancellation lands")
    func cancelledWhileWaiting() async {
        let wakeup = Wakeup()
        #expect(await returnsUnaided(wakeup) {
            let waiter = Task { await wakeup.wait(timeout: .seconds(3600)) }
            waiter.cancel()
            await waiter.value
        })
    }

    @Test("a signal sent while nobody waits makes the next wait return at once")
    func pendingSignal() async {
        let wakeup = Wakeup()
        wakeup.signal()
        #expect(await returnsUnaided(wakeup) { await wakeup.wait(timeout: .seconds(3600)) })
    }
}
