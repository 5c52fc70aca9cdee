import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A value that arrives once, from any thread; tests await it with a bounded wait.
final class Latch<Value: Sendable>: Sendable {
    private struct State {
        var value: Value?
        var waiters: [Int: CheckedContinuation<Value?, Never>] = [:]
        var nextWaiter = 0
    }

    private let state = Mutex(State())

    init() {}

    /// Sets the value (the first call wins) and wakes every waiter.
    func fulfill(_ value: Value) {
        let waiters = state.withLock { state -> [CheckedContinuation<Value?, Never>] in
            guard state.value == nil else { return [] }
            state.value = value
            defer { state.waiters.removeAll() }
            return Array(state.waiters.values)
        }
        for waiter in waiters { waiter.resume(returning: value) }
    }

    /// The value if it has arrived.
    var value: Value? { state.withLock { $0.value } }

    /// Waits for the value, at most `timeout`; nil if it did not come in time.
    func wait(timeout: Duration = .seconds(10)) async -> Value? {
        await withCheckedContinuation { continuation in
            let (ready, id) = state.withLock { state -> (Value?, Int) in
                if let value = state.value { return (value, -1) }
                let id = state.nextWaiter
                state.nextWaiter += 1
                state.waiters[id] = continuation
                return (nil, id)
            }
            if let ready {
                continuation.resume(returning: ready)
                return
            }
            Task {
                try? await Task.sleep(for: timeout)
                let waiter = self.state.withLock { $0.waiters.removeValue(forKey: id) }
                waiter?.resume(returning: nil)
            }
        }
    }
}

/// Collects values from any thread.
final class Recorder<Value: Sendable>: Sendable {
    private let values = Mutex<[Value]>([])

    init() {}

    func append(_ value: Value) { values.withLock { $0.append(value) } }

    /// Appends and returns the new count.
    @discardableResult
    func appendCounting(_ value: Value) -> Int { values.withLock { $0.append(value); return $0.count } }

    var all: [Value] { values.withLock { $0 } }
    var count: Int { values.withLock { $0.count } }
}

/// A generator that returns a fixed sequence (then repeats its last value).
struct FixedGenerator: RandomNumberGenerator {
    private var values: [UInt64]
    init(_ values: UInt64...) { self.values = values }
    mutating func next() -> UInt64 { values.count > 1 ? values.removeFirst() : values[0] }
}

/// The calling thread's id, as a number.
func currentThreadID() -> UInt { UInt(pthread_self()) }
