import CCurl
import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// libcurl's global state is set up once per copy of the kit; libcurl counts the calls, and
/// this libcurl's init is thread-safe, so two plugins each doing it is fine.
private let curlGlobalInit: CURLcode = curl_global_init(Int(CURL_GLOBAL_DEFAULT))

/// Converts a duration to whole milliseconds, rounding up (a deadline never fires early).
func millisecondsRoundingUp(_ duration: Duration) -> Int64 {
    let (seconds, attoseconds) = duration.components
    if seconds < 0 || (seconds == 0 && attoseconds <= 0) { return 0 }
    let perMillisecond: Int64 = 1_000_000_000_000_000
    return seconds &* 1000 + (attoseconds + perMillisecond - 1) / perMillisecond
}

/// The engine behind ``HTTPTransport``. Its mutable state (multi handle, transfers, timers) is
/// confined to the event thread; other threads talk to it only through `inbox`.
final class CurlEventLoop: @unchecked Sendable {
    enum Command: @unchecked Sendable {  // @unchecked: a TransferState moves to the event thread for good
        case start(TransferState)
        case cancel(UInt64)
        case applyPause(UInt64)
        case timer(TimerEntry)
        case run(@Sendable () -> Void)
        case shutdown
    }

    private struct Inbox {
        var commands: [Command] = []
        var closed = false
        var shutdownRequested = false
    }

    private let configuration: HTTPTransport.Configuration
    private let multi: UnsafeMutableRawPointer
    private let inbox = Mutex(Inbox())
    private let nextID = Atomic<UInt64>(1)
    private let threadID = Atomic<UInt>(0)
    private let joined = Atomic<Bool>(false)
    private let closing = Atomic<Bool>(false)
    private let wakers = Atomic<Int>(0)

    // Event thread only.
    private var transfers: [UInt64: TransferState] = [:]
    private var byEasy: [UnsafeMutableRawPointer: TransferState] = [:]
    private var timers: [TimerEntry] = []  // sorted by `due`, earliest first
    private var nextDeadlineScan: ContinuousClock.Instant?
    private var stopping = false

    init(configuration: HTTPTransport.Configuration) throws {
        guard curlGlobalInit == CURLE_OK, let multi = curl_multi_init() else {
            throw PluginError.unavailable("libcurl could not be initialised")
        }
        self.configuration = configuration
        self.multi = multi
        _ = patchbay_curl_multi_setopt_long(multi, CURLMOPT_PIPELINING, Int(CURLPIPE_MULTIPLEX))
        _ = patchbay_curl_multi_setopt_long(multi, CURLMOPT_MAX_HOST_CONNECTIONS, max(0, configuration.maxHostConnections))
        _ = patchbay_curl_multi_setopt_long(multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, max(0, configuration.maxTotalConnections))
        if let cached = configuration.maxCachedConnections {
            _ = patchbay_curl_multi_setopt_long(multi, CURLMOPT_MAXCONNECTS, max(0, cached))
        }

        var thread = pthread_t()
        let context = Unmanaged.passRetained(self).toOpaque()
        let result = pthread_create(&thread, nil, { context in
            let loop = Unmanaged<CurlEventLoop>.fromOpaque(context!).takeRetainedValue()
            loop.run()
            return nil
        }, context)
        guard result == 0 else {
            Unmanaged<CurlEventLoop>.fromOpaque(context).release()
            curl_multi_cleanup(multi)
            throw PluginError.unavailable("could not start the HTTP event thread")
        }
        threadID.store(UInt(thread), ordering: .sequentiallyConsistent)
    }

    var isEventThread: Bool {
        pthread_equal(pthread_self(), pthread_t(threadID.load(ordering: .sequentiallyConsistent))) != 0
    }

    var isClosing: Bool { closing.load(ordering: .sequentiallyConsistent) }

    // MARK: Any thread

    /// Queues a command; false if the loop has closed. Only the command that finds the inbox
    /// empty wakes the event thread (a wakeup is already on its way for the others), and it does
    /// so after letting go of the lock: woken at once, the event thread takes that very lock, and
    /// waking it while holding the lock made it wait on the waker's system call (3 % of the
    /// gateway's CPU at concurrency 1, in `_MutexHandle._lockSlow`). `wakers` counts the wakeups
    /// in flight so that the closing loop frees the multi handle only after they are done.
    @discardableResult
    private func enqueue(_ command: Command) -> Bool {
        let onEventThread = isEventThread
        let outcome = inbox.withLock { inbox -> (queued: Bool, wake: Bool) in
            guard !inbox.closed else { return (false, false) }
            let wake = !onEventThread && inbox.commands.isEmpty
            inbox.commands.append(command)
            if wake { wakers.add(1, ordering: .sequentiallyConsistent) }
            return (true, wake)
        }
        if outcome.wake {
            curl_multi_wakeup(multi)
            wakers.subtract(1, ordering: .sequentiallyConsistent)
        }
        return outcome.queued
    }

    func start(_ request: HTTPRequest, delegate: sending some HTTPResponseDelegate) -> HTTPTransfer {
        let transfer = HTTPTransfer(id: nextID.wrappingAdd(1, ordering: .relaxed).oldValue, loop: self)
        let state = TransferState(
            transfer: transfer,
            request: request,
            timeouts: request.timeouts ?? configuration.timeouts,
            delegate: delegate)
        if !enqueue(.start(state)) {
            state.complete(.failure(HTTPTransportError(code: .shutdown, message: "the HTTP transport has shut down")))
        }
        return transfer
    }

    func cancel(transfer id: UInt64) {
        enqueue(.cancel(id))
    }

    /// libcurl's pause must be set on the thread that drives the transfer: queue it there.
    func applyPause(transfer id: UInt64) {
        enqueue(.applyPause(id))
    }

    func schedule(after delay: Duration, _ body: @escaping @Sendable () -> Void) -> HTTPTimer {
        let timer = HTTPTimer()
        let entry = TimerEntry(due: ContinuousClock.now.advanced(by: delay), timer: timer, body: body)
        if !enqueue(.timer(entry)) { body() }
        return timer
    }

    func execute(_ body: @escaping @Sendable () -> Void) {
        if !enqueue(.run(body)) { body() }
    }

    func shutdown() {
        closing.store(true, ordering: .sequentiallyConsistent)
        let first = inbox.withLock { inbox -> Bool in
            guard !inbox.shutdownRequested else { return false }
            inbox.shutdownRequested = true
            if !inbox.closed {
                inbox.commands.append(.shutdown)
                curl_multi_wakeup(multi)
            }
            return true
        }
        guard first, !joined.exchange(true, ordering: .sequentiallyConsistent) else { return }
        let thread = pthread_t(threadID.load(ordering: .sequentiallyConsistent))
        if isEventThread {
            pthread_detach(thread)  // cannot join ourselves; the thread ends after this iteration
        } else {
            pthread_join(thread, nil)
        }
    }

    // MARK: Event thread

    private func run() {
        threadID.store(UInt(pthread_self()), ordering: .sequentiallyConsistent)
        Thread.current.name = String(decoding: configuration.threadName.utf8.prefix(15), as: UTF8.self)

        while !stopping {
            let commands = inbox.withLock { inbox -> [Command] in
                defer { inbox.commands.removeAll(keepingCapacity: true) }
                return inbox.commands
            }
            for command in commands { handle(command) }
            if stopping { break }

            var running: Int32 = 0
            curl_multi_perform(multi, &running)
            readCompletions()

            let now = ContinuousClock.now
            scanDeadlines(now: now)
            fireTimers(now: now)

            if inbox.withLock({ !$0.commands.isEmpty }) { continue }
            var ready: Int32 = 0
            if curl_multi_poll(multi, nil, 0, pollTimeout(now: ContinuousClock.now), &ready) != CURLM_OK {
                usleep(1_000)  // never spin if polling itself fails
            }
        }
        tearDown()
    }

    private func handle(_ command: Command) {
        switch command {
        case .start(let state):
            begin(state)
        case .cancel(let id):
            if let state = transfers[id] {
                finish(state, .failure(HTTPTransportError(code: .cancelled, message: "the transfer was cancelled", head: state.head)))
            }
        case .applyPause(let id):
            guard let state = transfers[id] else { return }
            state.applyPause()
            if let deadline = state.nextDeadline()?.instant { scanDeadlines(by: deadline) }
        case .timer(let entry):
            let index = timers.firstIndex { $0.due > entry.due } ?? timers.endIndex
            timers.insert(entry, at: index)
        case .run(let body):
            body()
        case .shutdown:
            stopping = true
        }
    }

    private func begin(_ state: TransferState) {
        if stopping {
            state.complete(.failure(HTTPTransportError(code: .shutdown, message: "the HTTP transport has shut down")))
            return
        }
        if state.transfer.isCancelled {
            state.complete(.failure(HTTPTransportError(code: .cancelled, message: "the transfer was cancelled")))
            return
        }
        guard let easy = curl_easy_init() else {
            state.complete(.failure(HTTPTransportError(code: .transferFailed, message: "libcurl could not create a transfer")))
            return
        }
        state.easy = easy
        if let problem = state.configure(easy, configuration: configuration) {
            state.releaseCurl(multi: nil)
            state.complete(.failure(problem))
            return
        }
        state.startedAt = ContinuousClock.now
        state.transfer.markStarted(state.startedAt)
        guard curl_multi_add_handle(multi, easy) == CURLM_OK else {
            state.releaseCurl(multi: nil)
            state.complete(.failure(HTTPTransportError(code: .transferFailed, message: "libcurl refused the transfer")))
            return
        }
        transfers[state.transfer.id] = state
        byEasy[easy] = state
        if let deadline = state.nextDeadline()?.instant { scanDeadlines(by: deadline) }
        state.onFirstByte = { [unowned self] deadline in scanDeadlines(by: deadline) }
    }

    /// Makes sure deadlines are scanned no later than `instant`. A transfer's deadlines only
    /// move later as bytes arrive, except at its first byte, which reports here.
    private func scanDeadlines(by instant: ContinuousClock.Instant) {
        nextDeadlineScan = min(nextDeadlineScan ?? instant, instant)
    }

    /// Ends a transfer: takes it out of libcurl (freeing its connection if mid-response), then
    /// completes it. Exactly once per transfer: it is no longer in `transfers` afterwards.
    private func finish(_ state: TransferState, _ result: Result<HTTPResponseHead, HTTPTransportError>) {
        guard let easy = state.easy, transfers.removeValue(forKey: state.transfer.id) != nil else { return }
        byEasy[easy] = nil
        state.releaseCurl(multi: multi)
        if state.transfer.isCancelled, case .success = result {
            state.complete(.failure(HTTPTransportError(code: .cancelled, message: "the transfer was cancelled", head: state.head)))
        } else {
            state.complete(result)
        }
    }

    private func readCompletions() {
        var left: Int32 = 0
        while let message = curl_multi_info_read(multi, &left) {
            guard message.pointee.msg == CURLMSG_DONE, let easy = message.pointee.easy_handle else { continue }
            let code = message.pointee.data.result  // copy out before the handle is removed
            guard let state = byEasy[easy] else { continue }
            finish(state, state.result(for: code))
        }
    }

    private func scanDeadlines(now: ContinuousClock.Instant) {
        guard let scanAt = nextDeadlineScan, now >= scanAt else { return }
        nextDeadlineScan = nil
        var expired: [(TransferState, HTTPTransportError)] = []
        for state in transfers.values {
            guard let deadline = state.nextDeadline() else { continue }
            if deadline.instant <= now {
                expired.append((state, deadline.error))
            } else {
                nextDeadlineScan = min(nextDeadlineScan ?? deadline.instant, deadline.instant)
            }
        }
        for (state, error) in expired { finish(state, .failure(error)) }
    }

    private func fireTimers(now: ContinuousClock.Instant) {
        while let first = timers.first, first.due <= now {
            timers.removeFirst()
            if !first.timer.isCancelled { first.body() }
        }
    }

    private func pollTimeout(now: ContinuousClock.Instant) -> Int32 {
        var next: ContinuousClock.Instant? = nextDeadlineScan
        while let first = timers.first, first.timer.isCancelled { timers.removeFirst() }
        if let timer = timers.first?.due { next = min(next ?? timer, timer) }
        guard let next else { return 60_000 }
        return Int32(min(60_000, millisecondsRoundingUp(now.duration(to: next))))
    }

    private func tearDown() {
        let remaining = inbox.withLock { inbox -> [Command] in
            inbox.closed = true
            defer { inbox.commands.removeAll() }
            return inbox.commands
        }
        for command in remaining { handle(command) }
        for state in Array(transfers.values) {
            finish(state, .failure(HTTPTransportError(code: .shutdown, message: "the HTTP transport shut down", head: state.head)))
        }
        while !timers.isEmpty {
            let timer = timers.removeFirst()
            if !timer.timer.isCancelled { timer.body() }
        }
        // Wakeups that began before the inbox closed may still be reaching the multi handle.
        while wakers.load(ordering: .sequentiallyConsistent) > 0 { sched_yield() }
        curl_multi_cleanup(multi)
    }
}

/// A scheduled timer.
final class TimerEntry: Sendable {
    let due: ContinuousClock.Instant
    let timer: HTTPTimer
    let body: @Sendable () -> Void

    init(due: ContinuousClock.Instant, timer: HTTPTimer, body: @escaping @Sendable () -> Void) {
        self.due = due
        self.timer = timer
        self.body = body
    }
}
