import Foundation
import Synchronization

/// A request as the fake upstream received it.
public struct RecordedRequest: Sendable {
    public var method: String
    /// The path, without the query.
    public var path: String
    /// The query, without its `?` ("" for none).
    public var query: String
    /// The headers, in the order received, names as sent.
    public var headers: [(name: String, value: String)]
    public var body: Data

    public init(method: String, path: String, query: String = "", headers: [(name: String, value: String)], body: Data) {
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body
    }

    /// The first value of the header `name` (case-insensitive).
    public func header(_ name: String) -> String? {
        headers.first { $0.name.caseInsensitiveCompare(name) == .orderedSame }?.value
    }

    /// The body as UTF-8 text.
    public var bodyText: String { String(decoding: body, as: UTF8.self) }

    /// The body parsed as a JSON object, if it is one.
    public var json: [String: Any]? {
        (try? JSONSerialization.jsonObject(with: body)) as? [String: Any]
    }
}

/// Something the fake upstream did or saw, in the order it happened.
public enum FakeUpstreamEvent: Sendable, Equatable {
    /// A request arrived (its body has been read).
    case requestReceived(path: String)
    /// The status line and headers were written.
    case responseStarted(path: String, status: Int)
    /// Text delta `index` (from 0) was written.
    case deltaSent(path: String, index: Int)
    /// The response was written completely.
    case responseFinished(path: String)
    /// The client went away before the response was complete (while hanging, stalled, between
    /// deltas, or a write to it failed).
    case clientDisconnected(path: String)
}

/// A one-shot signal: `fire()` once, and every `wait()` (past or future) returns.
final class Latch: Sendable {
    private struct State {
        var fired = false
        var nextID = 0
        var waiters: [Int: CheckedContinuation<Void, Never>] = [:]
    }
    private let state = Mutex(State())

    var isFired: Bool { state.withLock { $0.fired } }

    func fire() {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.fired = true
            defer { state.waiters = [:] }
            return Array(state.waiters.values)
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Returns once fired, or when the calling task is cancelled.
    func wait() async {
        let id = state.withLock { state in
            state.nextID += 1
            return state.nextID
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let now = state.withLock { state in
                    if state.fired || Task.isCancelled { return true }
                    state.waiters[id] = continuation
                    return false
                }
                if now { continuation.resume() }
            }
        } onCancel: {
            state.withLock { $0.waiters.removeValue(forKey: id) }?.resume()
        }
    }
}

/// The record: requests, events, and tasks waiting on the events.
final class Recorder: Sendable {
    private struct Waiter {
        var predicate: @Sendable ([FakeUpstreamEvent]) -> Bool
        var continuation: CheckedContinuation<Void, Never>
    }
    private struct State {
        var requests: [RecordedRequest] = []
        var events: [FakeUpstreamEvent] = []
        var nextWaiterID = 0
        var waiters: [Int: Waiter] = [:]
        var sequenceCounts: [String: Int] = [:]
    }
    private let state = Mutex(State())

    var requests: [RecordedRequest] { state.withLock { $0.requests } }
    var events: [FakeUpstreamEvent] { state.withLock { $0.events } }

    /// Records a request and its `requestReceived` event; returns its number (from 1).
    func record(_ request: RecordedRequest) -> Int {
        let path = request.path
        return append(.requestReceived(path: path)) { state in
            state.requests.append(request)
            return state.requests.count
        }
    }

    func record(_ event: FakeUpstreamEvent) {
        append(event) { _ in () }
    }

    /// Counts one more request in sequence `key`; returns the count (from 1).
    func countInSequence(_ key: String) -> Int {
        state.withLock { state in
            state.sequenceCounts[key, default: 0] += 1
            return state.sequenceCounts[key]!
        }
    }

    private func append<T>(_ event: FakeUpstreamEvent, _ also: (inout State) -> T) -> T {
        let (value, ready) = state.withLock { state -> (T, [CheckedContinuation<Void, Never>]) in
            let value = also(&state)
            state.events.append(event)
            var ready: [CheckedContinuation<Void, Never>] = []
            for (id, waiter) in state.waiters where waiter.predicate(state.events) {
                ready.append(waiter.continuation)
                state.waiters[id] = nil
            }
            return (value, ready)
        }
        for continuation in ready { continuation.resume() }
        return value
    }

    func waitUntil(_ predicate: @escaping @Sendable ([FakeUpstreamEvent]) -> Bool) async {
        let id = state.withLock { state in
            state.nextWaiterID += 1
            return state.nextWaiterID
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let now = state.withLock { state in
                    if Task.isCancelled || predicate(state.events) { return true }
                    state.waiters[id] = Waiter(predicate: predicate, continuation: continuation)
                    return false
                }
                if now { continuation.resume() }
            }
        } onCancel: {
            state.withLock { $0.waiters.removeValue(forKey: id) }?.continuation.resume()
        }
    }
}

/// Stopping the server: fires the latches of every request still waiting, so hanging and
/// paced responses end at once and the graceful shutdown does not wait for them.
final class Stopper: Sendable {
    private struct State {
        var stopping = false
        var latches: [ObjectIdentifier: Latch] = [:]
    }
    private let state = Mutex(State())

    var isStopping: Bool { state.withLock { $0.stopping } }

    func reset() {
        state.withLock { $0 = State() }
    }

    /// A latch for one request's wait; already fired if the server is stopping.
    func makeLatch() -> Latch {
        let latch = Latch()
        let stopping = state.withLock { state in
            if !state.stopping { state.latches[ObjectIdentifier(latch)] = latch }
            return state.stopping
        }
        if stopping { latch.fire() }
        return latch
    }

    func release(_ latch: Latch) {
        _ = state.withLock { $0.latches.removeValue(forKey: ObjectIdentifier(latch)) }
    }

    func stop() {
        let latches = state.withLock { state in
            state.stopping = true
            defer { state.latches = [:] }
            return Array(state.latches.values)
        }
        for latch in latches { latch.fire() }
    }
}
