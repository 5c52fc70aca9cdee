import Synchronization

/// The chats one socket has in flight, by id: at most `limit` at once, each one stoppable on its
/// own (`cancel`) or all together (the socket closed).
final class ChatsInFlight: Sendable {
    /// Why a chat could not begin.
    enum Refusal: Error {
        /// A chat with this id is still in flight.
        case duplicate
        /// The socket has `limit` chats in flight.
        case full(limit: Int)
    }

    private struct Chat {
        var cancelled = false
        /// Whoever waits in ``untilCancelled(_:)``.
        var waiter: CheckedContinuation<Void, Never>?
    }

    private let chats = Mutex<[String: Chat]>([:])
    private let limit: Int

    init(limit: Int) {
        self.limit = limit
    }

    /// Registers a chat.
    func begin(_ id: String) throws(Refusal) {
        let refusal = chats.withLock { chats -> Refusal? in
            if chats[id] != nil { return .duplicate }
            if chats.count >= limit { return .full(limit: limit) }
            chats[id] = Chat()
            return nil
        }
        if let refusal { throw refusal }
    }

    /// Returns once the chat is cancelled, or once the waiting task is (the chat ended first).
    func untilCancelled(_ id: String) async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let now = chats.withLock { chats -> Bool in
                    guard chats[id]?.cancelled == false, !Task.isCancelled else { return true }
                    chats[id]?.waiter = continuation
                    return false
                }
                if now { continuation.resume() }
            }
        } onCancel: {
            release(id, cancelling: false)
        }
    }

    /// Cancels a chat in flight; false when none has this id.
    @discardableResult
    func cancel(_ id: String) -> Bool {
        release(id, cancelling: true)
    }

    /// Cancels every chat in flight.
    func cancelAll() {
        for id in chats.withLock({ Array($0.keys) }) { cancel(id) }
    }

    /// Forgets an ended chat, so its id may be used again.
    func end(_ id: String) {
        chats.withLock { _ = $0.removeValue(forKey: id) }
    }

    /// Wakes the chat's waiter, marking it cancelled when asked; whether the chat is in flight.
    private func release(_ id: String, cancelling: Bool) -> Bool {
        let (found, waiter) = chats.withLock { chats -> (Bool, CheckedContinuation<Void, Never>?) in
            guard var chat = chats[id] else { return (false, nil) }
            if cancelling { chat.cancelled = true }
            let waiter = chat.waiter
            chat.waiter = nil
            chats[id] = chat
            return (true, waiter)
        }
        waiter?.resume()
        return found
    }
}
