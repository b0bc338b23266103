import Foundation

/// A dedicated OS thread that runs blocking jobs one after another.
///
/// libcurl's easy interface blocks for a whole SMTP dialogue; running it here keeps it off Swift's
/// cooperative pool, whose few threads must never wait on the network.
final class WorkerThread: @unchecked Sendable {
    // `jobs` and `stopping` are guarded by `condition`.
    private let condition = NSCondition()
    private var jobs: [@Sendable () -> Void] = []
    private var stopping = false

    /// Starts the thread.
    /// - Parameter name: the thread's name, seen in debuggers and `top -H`.
    init(name: String) {
        let thread = Thread { [self] in runLoop() }
        thread.name = name
        thread.start()
    }

    /// Runs `body` on the thread, after the jobs submitted before it, and returns its result.
    func run<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            submit { continuation.resume(returning: body()) }
        }
    }

    /// Lets the thread finish the jobs it has and exit.
    func stop() {
        condition.lock()
        stopping = true
        condition.signal()
        condition.unlock()
    }

    /// Queues `job` without waiting for it.
    func submit(_ job: @escaping @Sendable () -> Void) {
        condition.lock()
        precondition(!stopping, "a job was submitted to a stopped worker thread")
        jobs.append(job)
        condition.signal()
        condition.unlock()
    }

    private func runLoop() {
        while true {
            condition.lock()
            while jobs.isEmpty && !stopping {
                condition.wait()
            }
            if jobs.isEmpty {
                condition.unlock()
                return
            }
            let job = jobs.removeFirst()
            condition.unlock()
            job()
        }
    }
}
