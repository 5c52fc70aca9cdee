import Hummingbird
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTPTypes

/// Tells a streamed response that its client has gone — the connection's input closed (a FIN:
/// Hummingbird allows half-closure) or the connection failed — without reading the connection's
/// inbound stream. Hummingbird's `consumeWithCancellationOnInboundClose` reads that stream itself,
/// and a connection whose stream a response has read cannot serve the next request: every
/// streamed reply closed its keep-alive connection, so the client's next message paid a new
/// handshake (or failed, if it did not retry its POST).
///
/// One per connection, in the HTTP/1 pipeline after decoding; it passes everything on unchanged.
final class ClientDisconnectWatcher: ChannelInboundHandler, RemovableChannelHandler, @unchecked Sendable {
    // @unchecked: the mutable state is behind `state`'s lock; the handler methods run on the
    // event loop, `clientGone()` on any task.
    typealias InboundIn = HTTPRequestPart

    private struct State {
        var gone = false
        var nextWaiter = 0
        var waiters: [Int: CheckedContinuation<Void, Never>] = [:]
    }

    private let state = NIOLockedValueBox(State())

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case ChannelEvent.inputClosed = event { markGone() }
        context.fireUserInboundEventTriggered(event)
    }

    func channelInactive(context: ChannelHandlerContext) {
        markGone()
        context.fireChannelInactive()
    }

    /// Returns once the client has gone, or as soon as the calling task is cancelled.
    func clientGone() async {
        let id = state.withLockedValue { state -> Int in
            state.nextWaiter += 1
            return state.nextWaiter
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLockedValue { state -> Bool in
                    if state.gone || Task.isCancelled { return true }
                    state.waiters[id] = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            state.withLockedValue { $0.waiters.removeValue(forKey: id) }?.resume()
        }
    }

    private func markGone() {
        let waiters = state.withLockedValue { state -> [CheckedContinuation<Void, Never>] in
            state.gone = true
            defer { state.waiters.removeAll() }
            return Array(state.waiters.values)
        }
        for waiter in waiters { waiter.resume() }
    }
}

extension ClientDisconnectWatcher {
    /// Runs `operation`, cancelled as soon as the client has gone. A connection without a watcher
    /// (an HTTP/2 stream, where keep-alive is not at stake, or a test's in-memory channel) is
    /// watched through its request body, as Hummingbird does it.
    static func run(cancellingOnDisconnect watcher: ClientDisconnectWatcher?, request: Request, _ operation: () async throws -> Void) async throws {
        guard let watcher else { return try await request.body.consumeWithCancellationOnInboundClose { _ in try await operation() } }
        try await withoutActuallyEscaping(operation) { operation in
            // The operation runs in a child task while this one waits for it: never concurrently
            // with anything that shares its captures (the response's body writer), as in
            // Hummingbird's own consumeWithCancellationOnInboundClose.
            let transfer = UncheckedTransfer(operation)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    await watcher.clientGone()
                    throw CancellationError()
                }
                group.addTask { try await transfer.value() }
                try await group.next()
                group.cancelAll()
            }
        }
    }
}

/// Moves a value into a child task that the sender waits for; see its one use.
private struct UncheckedTransfer<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}

extension Channel {
    /// The connection's ``ClientDisconnectWatcher``, if its pipeline has one (a test's in-memory
    /// channel has none).
    var clientDisconnectWatcher: ClientDisconnectWatcher? {
        get async { try? await pipeline.handler(type: ClientDisconnectWatcher.self).get() }
    }
}
