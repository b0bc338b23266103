import AerCore
import Testing

/// A gate the test opens: `wait()` suspends until `open()`.
private actor Gate {
    private var opened = false
    private var waiters: [CheckedContinuation<Void, Never>] = []
    private(set) var arrivals = 0

    func wait() async {
        arrivals += 1
        if opened { return }
        await withCheckedContinuation { waiters.append($0) }
    }

    func open() {
        opened = true
        for waiter in waiters { waiter.resume() }
        waiters = []
    }
}

@Suite("coalescer")
struct CoalescerTests {
    @Test("requests during a run share the one run after it")
    func burstDuringRun() async throws {
        let gate = Gate()
        let coalescer = Coalescer<String, [String]> { requests in
            if requests == ["first"] { await gate.wait() }
            return requests
        }
        async let first = coalescer.request("first")
        while await gate.arrivals == 0 { await Task.yield() }
        async let second = coalescer.request("second")
        async let third = coalescer.request("third")
        while await coalescer.waitingCount < 2 { await Task.yield() }
        await gate.open()
        #expect(await first == ["first"])
        let later = await [second, third]
        #expect(later[0] == later[1])
        #expect(Set(later[0]) == ["second", "third"])
    }

    @Test("a request after a run ends gets a run of its own")
    func sequential() async {
        let coalescer = Coalescer<Int, [Int]> { $0 }
        #expect(await coalescer.request(1) == [1])
        #expect(await coalescer.request(2) == [2])
    }
}
