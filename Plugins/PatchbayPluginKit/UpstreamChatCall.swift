import Foundation

/// One chat call against an upstream API: attempts under a ``RetryPolicy`` on an
/// ``HTTPTransport``, the reply read by a ``ChatWireFormat``, events emitted by the ABI's rules.
///
/// A retry happens only while nothing has reached the client; once a delta has been emitted, a
/// failure ends the call. The upstream's error message is logged (secrets redacted), and goes
/// into the ERROR event for the host, which decides what a client sees.
public enum UpstreamChatCall {
    /// Starts the call and returns at once; the returned handle cancels it.
    /// - Parameter secrets: values (API keys) that must never appear in a log line or event.
    public static func start<Format: ChatWireFormat>(
        _ request: ChatCallRequest,
        format: Format,
        transport: HTTPTransport,
        policy: RetryPolicy,
        events: ChatEventSink,
        log: HostLog,
        secrets: [String]
    ) throws -> any ChatCallHandle {
        try exchange(
            format.makeRequest(for: request), requestID: request.requestID, streaming: request.stream,
            makeDecoder: { format.makeDecoder(for: request) }, errorDescription: { format.errorDescription(status: $0, body: $1) },
            transport: transport, policy: policy, events: events, log: log, secrets: secrets
        )
    }

    /// One upstream exchange under the retry policy, its successful reply read by a fresh
    /// decoder per attempt: a chat call, or an embedding call (``UpstreamEmbeddingCall``).
    static func exchange(
        _ upstreamRequest: HTTPRequest,
        requestID: String,
        streaming: Bool,
        makeDecoder: @escaping @Sendable () -> any ChatReplyDecoder,
        errorDescription: @escaping @Sendable (Int, [UInt8]) -> String,
        transport: HTTPTransport,
        policy: RetryPolicy,
        events: ChatEventSink,
        log: HostLog,
        secrets: [String]
    ) -> any ChatCallHandle {
        let driver = RetryDriver(transport: transport, policy: policy, log: log) { attempt in
            let reader = UpstreamAttempt(
                attempt: attempt, events: events, decoder: makeDecoder(),
                errorDescription: errorDescription, streaming: streaming, secrets: secrets
            )
            attempt.track(transport.start(upstreamRequest, delegate: reader))
        } completion: { result in
            switch result {
            case .success:
                if !events.isFinished {
                    events.fail(ChatError(code: .internalError, message: "the reply ended without a terminal event"))
                }
            case .failure(let error) where error.code == .cancelled:
                break  // the kit emits CANCELLED itself
            case .failure(let error):
                let failure = ChatError(error)
                log.warning("upstream call \(requestID) failed: \(failure)")
                events.fail(failure)
            }
        }
        driver.start()
        return driver
    }
}

/// How a successful reply's body reads, decided by its `Content-Type`, not by what was asked:
/// compatible servers and proxies answer a streamed request with one whole JSON reply, or a
/// non-streamed one with an event stream.
enum ReplyBodyForm: Equatable {
    /// `text/event-stream`: events as they arrive.
    case eventStream
    /// `application/json` (or `…+json`): one whole reply, read when it has all arrived.
    case json
    /// Anything else, named as it arrived.
    case unexpected(String)

    /// The form of a reply with this `Content-Type`; without one, the form that was asked for.
    init(contentType: String?, asked streaming: Bool) {
        guard let contentType, !contentType.isEmpty else {
            self = streaming ? .eventStream : .json
            return
        }
        let mediaType = contentType.split(separator: ";", maxSplits: 1).first.map {
            $0.trimmingCharacters(in: .whitespaces).lowercased()
        } ?? ""
        switch mediaType {
        case "text/event-stream": self = .eventStream
        case "application/json": self = .json
        case let other where other.hasSuffix("+json"): self = .json
        default: self = .unexpected(String(contentType.prefix(100)))
        }
    }
}

/// Reads one attempt's response on the event thread and reports to the retry driver.
final class UpstreamAttempt: HTTPResponseDelegate {
    /// Error bodies are for the log: keep a bounded prefix.
    private static var maxErrorBody: Int { 64 * 1024 }
    /// A non-streamed reply larger than this is refused rather than held in memory.
    private static var maxBody: Int { 16 * 1024 * 1024 }

    private let attempt: RetryDriver.Attempt
    private let events: ChatEventSink
    private let decoder: any ChatReplyDecoder
    private let errorDescription: @Sendable (Int, [UInt8]) -> String
    private let streaming: Bool
    private let secrets: [String]
    private var status = 0
    /// Set from the head of a 2xx reply.
    private var form = ReplyBodyForm.json
    private var buffer: [UInt8] = []
    private var parser = SSEParser()
    private var step = ChatReplyStep.more

    init(attempt: RetryDriver.Attempt, events: ChatEventSink, decoder: any ChatReplyDecoder,
         errorDescription: @escaping @Sendable (Int, [UInt8]) -> String, streaming: Bool, secrets: [String]) {
        self.attempt = attempt
        self.events = events
        self.decoder = decoder
        self.errorDescription = errorDescription
        self.streaming = streaming
        self.secrets = secrets
    }

    private var succeeded: Bool { (200..<300).contains(status) }

    func didReceiveHead(_ head: HTTPResponseHead, transfer: HTTPTransfer) {
        transfer.startedAt.map(events.noteUpstreamStart)
        status = head.status
        guard succeeded else { return }
        form = ReplyBodyForm(contentType: head.headers["content-type"], asked: streaming)
        if case .unexpected(let contentType) = form {
            settle(.failed(ChatError(code: .providerError,
                                     message: "the upstream answered \(status) with \(contentType), neither an event stream nor JSON")), transfer)
        }
    }

    func didReceiveBody(_ bytes: UnsafeRawBufferPointer, transfer: HTTPTransfer) {
        guard step == .more else { return }
        guard succeeded else {
            buffer.append(contentsOf: bytes.prefix(max(0, Self.maxErrorBody - buffer.count)))
            return
        }
        guard form == .eventStream else {
            guard buffer.count + bytes.count <= Self.maxBody else {
                settle(.failed(ChatError(code: .providerError, message: "the upstream's reply is larger than \(Self.maxBody) bytes")), transfer)
                return
            }
            buffer.append(contentsOf: bytes)
            return
        }
        // The upstream's time so far, told before the events it brings: for a streamed request
        // until the first text is out (the host answers its client from it; a reply may open
        // with pieces that carry none), for one the host collects whole at every piece.
        if !streaming || !events.hasEmittedDelta { events.reportUpstreamTimeSoFar() }
        parser.feed(bytes) { event in
            if step == .more { step = decoder.decode(event: event, into: events) }
        }
        if step != .more { settle(step, transfer) }
    }

    func didComplete(_ result: Result<HTTPResponseHead, HTTPTransportError>, transfer: HTTPTransfer) {
        guard step == .more else { return }
        transfer.startedAt.map(events.noteUpstreamStart)
        switch result {
        case .failure(let error):
            attempt.failed(error, clientHasOutput: events.hasEmittedDelta)
        case .success(let head) where !succeeded:
            let message = SecretRedaction.redact(errorDescription(head.status, buffer), secrets: secrets)
            attempt.failed(.httpStatus(head, message: message), clientHasOutput: events.hasEmittedDelta)
        case .success:
            // All of the reply has arrived: the upstream's time, told before the events it brings.
            events.reportUpstreamTimeSoFar()
            if form == .eventStream {
                parser.finish { event in
                    if step == .more { step = decoder.decode(event: event, into: events) }
                }
                if step == .more { step = decoder.streamEnded(into: events) }
            } else {
                step = decoder.decode(body: buffer, into: events)
            }
            guard step != .more else {
                let error = HTTPTransportError(code: .transferFailed, message: "the upstream's reply ended before it was complete")
                attempt.failed(error, clientHasOutput: events.hasEmittedDelta)
                return
            }
            settle(step, transfer)
        }
    }

    /// The reply is over, one way or another: emit a failure, stop the transfer, tell the driver.
    private func settle(_ step: ChatReplyStep, _ transfer: HTTPTransfer) {
        self.step = step
        if case .failed(var error) = step {
            error.message = SecretRedaction.redact(error.message, secrets: secrets)
            events.fail(error)
            transfer.cancel()  // the rest of a broken reply is of no use
        }
        // A finished reply's transfer runs to its end, so its connection can be reused.
        attempt.succeeded()
    }
}
