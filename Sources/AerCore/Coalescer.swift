/// Runs a job on request, one run at a time: requests that arrive while a run is under way are all answered
/// by the single run that starts after it ends. For work such as a configuration reload, where ten signals
/// in a burst should mean one more reload, not ten.
public actor Coalescer<Request: Sendable, Output: Sendable> {
    private let job: @Sendable ([Request]) async -> Output
    private var waiting: [(request: Request, answer: CheckedContinuation<Output, Never>)] = []
    private var running = false

    /// - Parameter job: the work; it gets every request its run answers, in arrival order.
    public init(job: @escaping @Sendable ([Request]) async -> Output) {
        self.job = job
    }

    /// How many requests wait for the next run.
    public var waitingCount: Int { waiting.count }

    /// Asks for a run that starts after this call, and returns its output.
    public func request(_ request: Request) async -> Output {
        await withCheckedContinuation { answer in
            waiting.append((request, answer))
            if !running {
                running = true
                Task { await drain() }
            }
        }
    }

    private func drain() async {
        while !waiting.isEmpty {
            let batch = waiting
            waiting = []
            let output = await job(batch.map(\.request))
            for entry in batch { entry.answer.resume(returning: output) }
        }
        running = false
    }
}
