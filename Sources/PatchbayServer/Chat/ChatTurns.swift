import Logging
import PatchbayJSON
import PatchbayPluginHost
import PatchbayRateLimit
import PatchbayStorage

/// Starts chat turns: the one place a turn is admitted, recorded and handed to a provider,
/// whichever door it came through.
public struct ChatTurns: Sendable {
    /// Where conversations are kept; without one, every turn is stateless.
    let store: (any ConversationStore)?
    /// Request and token budgets, and the per-caller stream cap.
    let limiter: RateLimiter
    let metrics: PatchbayMetrics
    /// The provider calls in flight, for a graceful shutdown.
    let activeCalls: ActiveCalls

    /// Creates the service.
    public init(store: (any ConversationStore)?, limiter: RateLimiter, metrics: PatchbayMetrics, activeCalls: ActiveCalls) {
        self.store = store
        self.limiter = limiter
        self.metrics = metrics
        self.activeCalls = activeCalls
    }

    /// Admits a turn, records the user's message, starts the provider call and waits for its
    /// first event, so that a call failing before any text is an error the door can still
    /// answer with its own status.
    /// - Parameter settings: the snapshot the whole request reads.
    /// - Throws: why the turn was refused or failed before its first delta; whatever was taken
    ///   for it has been given back and recorded by then.
    public func start(_ request: TurnRequest, caller: TurnCaller, settings: LiveSettings) async throws(TurnError) -> ChatTurn {
        let (route, instance) = try resolve(request, caller: caller, routes: settings.routes)
        var logger = caller.logger
        logger[metadataKey: "assistant"] = .string(route.assistant.id)
        logger[metadataKey: "provider"] = .string(route.provider.name)
        caller.requestLog.set("assistant", .string(route.assistant.id))
        caller.requestLog.set("provider", .string(route.provider.name))
        caller.requestLog.set("model", .string(route.assistant.model))
        let admission = try await admit(request, caller: caller, route: route, settings: settings, logger: logger)

        // The user's message is committed before the provider is called.
        var conversation: ConversationTurn? = nil
        if request.storesConversation, let store {
            do {
                conversation = try await ConversationTurn.begin(store: store, request: request, key: caller.key, assistant: route.assistant,
                                                                provider: route.provider.name)
            } catch let error as TurnError {
                admission.slot?.release()
                throw error
            } catch {
                logger.error("conversation storage failed: \(error)")
                admission.slot?.release()
                throw TurnError(.internalError, "Something went wrong while saving the conversation. Please try again.")
            }
        }
        if let id = conversation?.conversationID { caller.requestLog.set("conversation.id", .string(id)) }
        let metadata = TurnMetadata(requestID: caller.requestID, assistant: route.assistant.id, provider: route.provider.name,
                                    model: route.assistant.model, conversationID: conversation?.conversationID,
                                    contextWasReset: conversation?.contextWasReset ?? false)
        if admission.slot != nil { metrics.streamOpened(true) }
        let finishing = TurnFinishing(conversation: conversation, limiter: limiter, checks: admission.checks, slot: admission.slot,
                                      metrics: metrics, requestLog: caller.requestLog, logger: logger, model: route.assistant.model)
        let record = ReplyRecord(keepsText: conversation != nil || !request.stream)
        let parameters = request.parameters.applied(to: route.assistant, logger: logger)
        let call: ChatCall
        do {
            call = try instance.startCall(ChatCallRequest(
                requestID: caller.requestID, model: route.assistant.model, system: parameters.systemPrompt,
                messages: (conversation?.context ?? request.messages).map(ChatCallRequest.Message.init), stream: request.stream,
                temperature: parameters.temperature, maxTokens: parameters.maxTokens, topP: parameters.topP, stop: parameters.stop
            ), bufferBytes: settings.streamBufferBytes)
        } catch {
            logger.error("plugin refused to start the call: \(error.message)")
            record.fail(.internalError)
            await finishing.finish(record)
            throw .somethingWentWrong
        }
        // Listed until it ends, so a shutting-down server can wait for it, then stop it.
        let ending = CallEnding(registration: activeCalls.register(call), record: record, metrics: metrics, metadata: metadata)
        let events = PluginEventReader(call.events)
        let turn = ChatTurn(metadata: metadata, events: events, record: record, ending: ending, finishing: finishing)

        // A call that fails before any text gets a real error, not a reply holding one.
        if case .failed(let failure) = await events.peekPastUsage(record.observe) {
            let error = turn.clientError(for: failure)
            record.fail(error.code)
            await turn.finish()
            throw error
        }
        return turn
    }

    /// The assistant's route and live instance, if the caller may use it.
    private func resolve(_ request: TurnRequest, caller: TurnCaller, routes: RouteTable) throws(TurnError) -> (AssistantRoute, ProviderInstance) {
        let named = request.assistantIsHint && routes.assistant(named: request.assistant) == nil ? "default" : request.assistant
        guard let route = routes.assistant(named: named) else {
            let known = routes.assistants.map(\.assistant.id).joined(separator: ", ")
            throw TurnError(.notFound, "Unknown assistant '\(named)'. Available assistants: \(known).", field: "assistantType")
        }
        if let allowed = caller.key?.assistants, !allowed.contains(route.assistant.id) {
            throw TurnError(.forbidden, "This API key may not use the assistant '\(route.assistant.id)'.", field: "assistantType")
        }
        guard let instance = route.provider.instance else {
            caller.logger.warning("assistant unavailable: \(route.provider.unavailableReason ?? "provider not configured")",
                                  metadata: ["assistant": .string(route.assistant.id), "provider": .string(route.provider.name)])
            throw TurnError(.providerUnavailable, "The assistant '\(route.assistant.id)' is not available right now.")
        }
        return (route, instance)
    }
}
