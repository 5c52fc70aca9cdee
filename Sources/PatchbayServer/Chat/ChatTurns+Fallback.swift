import Logging
import PatchbayJSON
import PatchbayPluginHost

extension ChatTurns {
    /// Calls the assistant's targets in the routing plan's order until one gets as far as its
    /// first event without failing, and returns the turn on that call.
    ///
    /// A call that fails before any text with `PROVIDER_UNAVAILABLE`, `TIMEOUT`, a retryable
    /// `PROVIDER_ERROR`, or a refusal of its key (429, 401) is ended and the next target (or key)
    /// is tried; the client has seen nothing yet, so it sees one clean reply. Once a call's first
    /// text is out, the turn stays on it whatever happens: a failure then ends the stream.
    /// - Throws: the last call's error when no target answered; the turn is finished by then.
    func firstAnswer(
        _ request: TurnRequest, route: AssistantRoute, conversation: ConversationTurn?, finishing: TurnFinishing,
        caller: TurnCaller, settings: LiveSettings, logger: Logger
    ) async throws(TurnError) -> ChatTurn {
        var plan = RoutingPlan(targets: route.targets, health: routing, random: random)
        var verdict: CallVerdict? = nil
        var failed: (turn: ChatTurn, error: TurnError, attempt: RouteAttempt)? = nil
        var fallbacks = 0
        while let attempt = plan.next(after: verdict) {
            if let failed, failed.attempt.target.id != attempt.target.id {
                fallbacks += 1
                tookFallback(from: failed.attempt, to: attempt, error: failed.error, assistant: route.assistant.id, logger: logger)
            }
            caller.requestLog.set("provider", .string(attempt.target.provider.name))
            caller.requestLog.set("model", .string(attempt.target.target.model))
            if fallbacks > 0 { caller.requestLog.set("fallbacks", .stringConvertible(fallbacks)) }
            let (turn, failure) = try await call(attempt, request: request, route: route, conversation: conversation,
                                                 finishing: finishing, caller: caller, settings: settings, logger: logger)
            guard let failure else { return turn }
            let error = turn.failedBeforeText(failure)
            let outcome = CallVerdict(failure: failure, finished: false)
            guard outcome.triesElsewhere, !turn.wasInterrupted, !Task.isCancelled else {
                await turn.finish()
                throw error
            }
            turn.endCall()
            verdict = outcome
            failed = (turn, error, attempt)
        }
        if let failed {
            await failed.turn.finish()
            throw failed.error
        }
        // Every target became unavailable between the check in `resolve` and now.
        let unavailable = TurnError.everyTargetUnavailable(retryAt: routing.now().addingTimeInterval(1), now: routing.now())
        let record = ReplyRecord(keepsText: false)
        record.fail(unavailable.code)
        await finishing.finish(record, answeredBy: TurnMetadata(
            requestID: caller.requestID, assistant: route.assistant.id, provider: route.provider.name, model: route.assistant.model,
            conversationID: conversation?.conversationID, contextWasReset: conversation?.contextWasReset ?? false))
        throw unavailable
    }

    /// Starts one call and waits for its first event past usage reports.
    /// - Returns: the turn on the call, and the call's failure if that first event was one (the
    ///   turn is then neither finished nor its call ended).
    // Never inlined into the retry loop: its async frame (the request as the plugin gets it)
    // would be merged into the loop's, which every turn holds until its first event, and a
    // WebSocket turn's task until its reply ends.
    @inline(never)
    private func call(
        _ attempt: RouteAttempt, request: TurnRequest, route: AssistantRoute, conversation: ConversationTurn?, finishing: TurnFinishing,
        caller: TurnCaller, settings: LiveSettings, logger: Logger
    ) async throws(TurnError) -> (ChatTurn, PluginFailure?) {
        let target = attempt.target
        let metadata = TurnMetadata(requestID: caller.requestID, assistant: route.assistant.id, provider: target.provider.name,
                                    model: target.target.model, conversationID: conversation?.conversationID,
                                    contextWasReset: conversation?.contextWasReset ?? false, cache: finishing.cacheReport)
        let record = ReplyRecord(keepsText: conversation != nil || !request.stream, keepsDeltas: finishing.cache != nil)
        let call: ChatCall
        do {
            call = try startProviderCall(attempt, request: request, route: route, conversation: conversation, caller: caller,
                                         settings: settings, logger: logger)
        } catch {
            logger.error("plugin refused to start the call: \(error.message)", metadata: ["provider": .string(target.provider.name)])
            routing.callEnded(target, key: attempt.key, probe: attempt.probe, verdict: .inconclusive)
            record.fail(.internalError)
            await finishing.finish(record, answeredBy: metadata)
            throw .somethingWentWrong
        }
        // Listed until it ends, so a shutting-down server can wait for it, then stop it.
        let ending = CallEnding(registration: activeCalls.register(call), record: record, metrics: metrics, metadata: metadata,
                                attempt: attempt, routing: routing)
        let events = PluginEventReader(call.events)
        let turn = ChatTurn(metadata: metadata, events: events, record: record, ending: ending, finishing: finishing)
        let first = await events.peekPastUsage(record.observe)
        // The provider's time, not Patchbay's: X-Patchbay-Overhead-Ms leaves it out.
        caller.requestLog.addUpstreamTime(record.firstEventArrived(reportedUpstream: events.upstreamTime))
        if case .failed(let failure) = first {
            record.observe(.failed(failure))
            return (turn, failure)
        }
        return (turn, nil)
    }

    /// Starts the plugin's call for `attempt`. The request as the plugin gets it is built here, in
    /// a synchronous function of its own, so that none of it takes room in `call`'s async frame.
    @inline(never)
    private func startProviderCall(
        _ attempt: RouteAttempt, request: TurnRequest, route: AssistantRoute, conversation: ConversationTurn?, caller: TurnCaller,
        settings: LiveSettings, logger: Logger
    ) throws(PluginCallError) -> ChatCall {
        let target = attempt.target
        let parameters = request.parameters.applied(to: route.assistant.answering(with: target.target), logger: logger)
        let instance = attempt.key.instance
        // ABI 1.2: a conversation's state goes back only to a plugin that keeps one, of the provider that produced it.
        let state = instance.plugin.keepsState ? conversation?.state(for: target.provider.name) : nil
        return try instance.startCall(ChatCallRequest(
            requestID: caller.requestID, model: target.target.model, system: parameters.systemPrompt,
            messages: (conversation?.context ?? request.messages).map(ChatCallRequest.Message.init), stream: request.stream,
            temperature: parameters.temperature, maxTokens: parameters.maxTokens, topP: parameters.topP, stop: parameters.stop,
            state: state
        ), bufferBytes: settings.streamBufferBytes)
    }

    /// Counts and logs a move to another target after a call that failed before any text.
    @inline(never)  // a rare path: kept out of the retry loop's async frame
    private func tookFallback(from failed: RouteAttempt, to next: RouteAttempt, error: TurnError, assistant: String, logger: Logger) {
        metrics.fallbackTaken(assistant: assistant, provider: failed.target.provider.name, model: failed.target.target.model,
                              reason: error.code.description)
        logger.notice("falling back to another target", metadata: [
            "from": .string(failed.target.target.name), "to": .string(next.target.target.name), "error.code": .string(error.code.description),
        ])
    }
}
