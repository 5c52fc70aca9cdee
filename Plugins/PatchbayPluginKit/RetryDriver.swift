import Foundation
import Synchronization

/// Runs attempts of one upstream call under a ``RetryPolicy``, waiting between them on the
/// transport's timer (no thread sleeps).
///
/// ```swift
/// let driver = RetryDriver(transport: transport, policy: policy) { attempt in
///     let transfer = transport.start(request, delegate: MyAttempt(attempt: attempt, events: events))
///     attempt.track(transfer)         // so cancel() reaches it
/// } completion: { result in
///     if case .failure(let error) = result { events.fail(ChatError(error)) }
/// }
/// driver.start()
/// return driver                       // a ChatCallHandle
/// ```
/// Each attempt reports once, with ``Attempt/succeeded()`` or
/// ``Attempt/failed(_:clientHasOutput:)``; the driver then retries or calls `completion` —
/// exactly once, with `.success`, the last failure, or ``HTTPTransportError/Code/cancelled``.
public final class RetryDriver: ChatCallHandle, Sendable {
    /// One attempt, handed to the attempt closure. Reports after the first are ignored, as are
    /// reports from an attempt the driver has moved past.
    public struct Attempt: Sendable {
        /// 0 for the first attempt, 1 for the first retry, …
        public let number: Int
        private let driver: RetryDriver

        init(number: Int, driver: RetryDriver) {
            self.number = number
            self.driver = driver
        }

        /// Registers the attempt's transfer, so that ``RetryDriver/cancel()`` cancels it. A
        /// transfer tracked after the driver has ended is cancelled at once.
        public func track(_ transfer: HTTPTransfer) {
            driver.track(transfer, attempt: number)
        }

        /// The attempt worked: the driver completes with `.success`.
        public func succeeded() {
            driver.report(attempt: number, failure: nil, clientHasOutput: false)
        }

        /// The attempt failed; `clientHasOutput` tells whether anything reached the client
        /// (then no retry is made).
        public func failed(_ error: HTTPTransportError, clientHasOutput: Bool) {
            driver.report(attempt: number, failure: error, clientHasOutput: clientHasOutput)
        }
    }

    private struct State {
        var current = 0
        var reported = false
        var finished = false
        var started = false
        var transfer: HTTPTransfer?
        var timer: HTTPTimer?
        /// Whether the host has paused the call: the attempt in flight, and any later one, reads
        /// nothing until resumed.
        var paused = false
        var startedAt = ContinuousClock.now
    }

    private struct ClosureGenerator: RandomNumberGenerator {
        let source: @Sendable () -> UInt64
        mutating func next() -> UInt64 { source() }
    }

    private let transport: HTTPTransport
    private let policy: RetryPolicy
    private let log: HostLog
    private let random: @Sendable () -> UInt64
    private let attempt: @Sendable (Attempt) -> Void
    private let completion: @Sendable (Result<Void, HTTPTransportError>) -> Void
    private let state = Mutex(State())

    /// Creates a driver; call ``start()`` to make the first attempt.
    ///
    /// - Parameters:
    ///   - random: the jitter source (inject one for deterministic tests).
    ///   - attempt: starts one attempt; called on the caller of `start()` for the first, and
    ///     on the transport's event thread for retries.
    ///   - completion: called exactly once, on whichever thread ends the call.
    public init(
        transport: HTTPTransport,
        policy: RetryPolicy,
        log: HostLog = .disabled,
        random: @escaping @Sendable () -> UInt64 = { UInt64.random(in: .min ... .max) },
        attempt: @escaping @Sendable (Attempt) -> Void,
        completion: @escaping @Sendable (Result<Void, HTTPTransportError>) -> Void
    ) {
        self.transport = transport
        self.policy = policy
        self.log = log
        self.random = random
        self.attempt = attempt
        self.completion = completion
    }

    /// Makes the first attempt. Only the first call does anything.
    public func start() {
        let go = state.withLock { state -> Bool in
            guard !state.started, !state.finished else { return false }
            state.started = true
            state.startedAt = ContinuousClock.now
            return true
        }
        if go { attempt(Attempt(number: 0, driver: self)) }
    }

    /// Stops the call: cancels the attempt in flight or the pending wait, and completes with
    /// ``HTTPTransportError/Code/cancelled`` unless it had already completed. Idempotent, any thread.
    public func cancel() {
        let taken = state.withLock { state -> (HTTPTransfer?, HTTPTimer?)? in
            guard !state.finished else { return nil }
            state.finished = true
            defer { state.transfer = nil; state.timer = nil }
            return (state.transfer, state.timer)
        }
        guard let (transfer, timer) = taken else { return }
        timer?.cancel()
        transfer?.cancel()
        completion(.failure(HTTPTransportError(code: .cancelled, message: "the call was cancelled")))
    }

    /// Pauses the attempt in flight and any later one (ABI 1.1 `chat_pause`). Idempotent, any thread.
    public func pause() { setPaused(true) }

    /// Resumes after ``pause()``. Idempotent, any thread.
    public func resume() { setPaused(false) }

    private func setPaused(_ paused: Bool) {
        // Under the lock, so a retry's transfer being tracked cannot miss a pause or a resume.
        // HTTPTransfer's pause and resume only flip a flag and queue a command: they never block.
        let changed = state.withLock { state -> Bool in
            defer { state.paused = paused }
            if paused { state.transfer?.pause() } else { state.transfer?.resume() }
            return state.paused != paused
        }
        if changed { log.debug(paused ? "upstream reading paused: the client is behind" : "upstream reading resumed") }
    }

    private func track(_ transfer: HTTPTransfer, attempt number: Int) {
        let keep = state.withLock { state -> Bool in
            guard !state.finished, state.current == number else { return false }
            state.transfer = transfer
            if state.paused { transfer.pause() }
            return true
        }
        if !keep { transfer.cancel() }
    }

    private func report(attempt number: Int, failure: HTTPTransportError?, clientHasOutput: Bool) {
        enum Next {
            case complete(Result<Void, HTTPTransportError>)
            case retry(Int, Duration, HTTPTransportError)
        }
        let next = state.withLock { state -> Next? in
            guard !state.finished, state.current == number, !state.reported else { return nil }
            state.reported = true
            state.transfer = nil
            guard let failure else {
                state.finished = true
                return .complete(.success(()))
            }
            var generator = ClosureGenerator(source: random)
            let decision = policy.decide(
                after: failure,
                retriesSoFar: number,
                elapsed: state.startedAt.duration(to: .now),
                clientHasOutput: clientHasOutput,
                using: &generator)
            switch decision {
            case .retry(let wait):
                state.current = number + 1
                state.reported = false
                return .retry(number + 1, wait, failure)
            case .giveUp:
                state.finished = true
                return .complete(.failure(failure))
            }
        }
        switch next {
        case nil:
            return
        case .complete(let result):
            completion(result)
        case .retry(let retry, let wait, let failure):
            log.info("retry \(retry) of \(policy.maxRetries) in \(wait) after \(failure)")
            let timer = transport.schedule(after: wait) { [self] in
                let go = state.withLock { state -> Bool in
                    state.timer = nil
                    return !state.finished && state.current == retry
                }
                if go { attempt(Attempt(number: retry, driver: self)) }
            }
            let cancelled = state.withLock { state -> Bool in
                if state.finished { return true }
                if state.current == retry { state.timer = timer }
                return false
            }
            if cancelled { timer.cancel() }
        }
    }
}
