import Logging
import PatchbayPluginHost
import Synchronization

/// One chat turn in flight: its events for a door to encode, and one `finish` that cleans up
/// exactly once however the turn ends — completed, failed, cancelled by the client, or stopped
/// by a shutdown.
///
/// A door reads events with ``next()`` (or the whole reply with ``collect()``) from one task at
/// a time, then calls ``finish()`` — outside any scope its client's departure cancels, so that
/// storing the reply still runs.
public final class ChatTurn: Sendable {
    /// What the door may tell its client about the turn.
    public let metadata: TurnMetadata
    private let events: PluginEventReader
    private let record: ReplyRecord
    /// The provider call's end; nil for a turn the cache answered.
    private let ending: CallEnding?
    private let finishing: TurnFinishing
    private let finished = Atomic(false)

    init(metadata: TurnMetadata, events: PluginEventReader, record: ReplyRecord, ending: CallEnding?, finishing: TurnFinishing) {
        self.metadata = metadata
        self.events = events
        self.record = record
        self.ending = ending
        self.finishing = finishing
    }

    /// The next event; nil once the turn has nothing more to say (after its terminal event, or
    /// when the call was cancelled because the client went away).
    public func next() async -> TurnEvent? {
        while let event = await events.next() {
            record.observe(event)
            switch event {
            case .delta(let text):
                return .delta(text)
            case .usage:
                continue
            case .embedding:
                // The host's bridge never yields one in a chat call; a plugin's stray one is dropped there.
                finishing.logger.debug("ignoring an embedding event in a chat turn")
                continue
            case .done(let finishReason, let state):
                // A state means something to the client only when the conversation keeps it.
                let threadID = finishing.conversation == nil ? nil : state
                return .finished(TurnSummary(finishReason: finishReason, usage: record.usage, threadID: threadID))
            case .failed(let failure):
                // Cancelled because the client went away (not by a shutdown): nothing more to say,
                // and the reply is stored as cancelled.
                if failure.code == .cancelled && !wasInterrupted { return nil }
                let error = clientError(for: failure)
                record.fail(error.code)
                return .failed(error)
            }
        }
        return nil
    }

    /// Reads the whole reply and finishes the turn.
    /// - Throws: the turn's error, if it failed.
    public func collect() async throws(TurnError) -> TurnReply {
        var outcome: Result<TurnSummary, TurnError> = .failure(.somethingWentWrong)
        reading: while let event = await next() {
            switch event {
            case .delta: continue
            case .finished(let summary): outcome = .success(summary); break reading
            case .failed(let error): outcome = .failure(error); break reading
            }
        }
        // A replayed reply's time is Patchbay's own.
        if ending != nil { finishing.requestLog.addUpstreamTime(record.providerTimeSinceFirstEvent(reportedUpstream: events.upstreamTime)) }
        await finish()
        return TurnReply(text: record.text, summary: try outcome.get())
    }

    /// Ends the turn: takes the call off the list of calls in flight, stores the reply as it
    /// ended, records its tokens against the caller's budgets, gives back the stream slot, and
    /// fills the access-log line. Later calls do nothing.
    public func finish() async {
        guard !finished.exchange(true, ordering: .acquiringAndReleasing) else { return }
        ending?.callEnded()
        await finishing.finish(record, answeredBy: metadata)
    }

    /// The client's error for a failure before the first text, recorded as the reply's outcome.
    func failedBeforeText(_ failure: PluginFailure) -> TurnError {
        let error = clientError(for: failure)
        record.fail(error.code)
        return error
    }

    /// Ends the provider call alone (counted, told to the routing), leaving the turn open: the
    /// turn tries another target after a call that failed before any text.
    func endCall() { ending?.callEnded() }

    /// Whether the server stopped the call (a shutdown past its grace period).
    var wasInterrupted: Bool { ending?.wasInterrupted ?? false }

    /// Logs the plugin's own words and returns what the client may see.
    func clientError(for failure: PluginFailure) -> TurnError {
        if wasInterrupted {
            return TurnError(.shuttingDown, "The server is restarting. Please send your message again in a moment.")
        }
        if failure.code == .streamBufferFull {
            finishing.logger.warning("reply stopped: the client is reading too slowly and the provider cannot be paused")
        } else if failure.code != .cancelled {
            var fields: Logger.Metadata = [
                "provider": .string(metadata.provider), "model": .string(metadata.model),
                "error.code": .string(failure.reportedCode), "error.retryable": .stringConvertible(failure.retryable),
            ]
            if let status = failure.upstreamStatus { fields["upstream.status"] = .stringConvertible(status) }
            finishing.logger.error("provider call failed: \(failure.message)", metadata: fields)
        }
        return TurnError(pluginFailure: failure.code)
    }
}

extension TurnError {
    /// The client-facing error for a plugin's failure. The plugin's own message goes to the log
    /// only: an upstream's message can carry account details the widget's user must not see.
    init(pluginFailure code: PluginFailure.Code) {
        switch code {
        case .providerError: self.init(.providerError, "The AI provider returned an error. Please try again.")
        case .providerUnavailable: self.init(.providerUnavailable, "The AI provider is unavailable right now. Please try again shortly.")
        case .timeout: self.init(.timeout, "The AI provider took too long to answer. Please try again.")
        case .invalidRequest: self.init(.invalidRequest, "The AI provider could not accept this request.")
        case .cancelled, .internalError: self = .somethingWentWrong
        case .streamBufferFull: self.init(.streamBufferFull, "The reply was stopped because it was being read too slowly. Please try again.")
        }
    }
}
