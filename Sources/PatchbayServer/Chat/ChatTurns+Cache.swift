import Logging
import PatchbayConfig
import PatchbayPluginHost

extension ChatTurns {
    /// Looks the turn up in the assistant's cache; nil when the assistant has none or the client
    /// said `no-cache` (a bypass, counted).
    func lookUpCache(_ request: TurnRequest, route: AssistantRoute, conversation: ConversationTurn?, caller: TurnCaller,
                     settings: LiveSettings, logger: Logger) async -> ResponseCache.Lookup? {
        guard let cacheSettings = route.assistant.cache else { return nil }
        guard !request.bypassesCache else {
            cache.bypassed(assistant: route.assistant.id)
            return nil
        }
        let parameters = request.parameters.applied(to: route.assistant, logger: logger)
        let fingerprint = [
            route.assistant.id, route.assistant.model, parameters.systemPrompt ?? "", parameters.temperature.map { "\($0)" } ?? "",
            parameters.topP.map { "\($0)" } ?? "", parameters.maxTokens.map { "\($0)" } ?? "", (parameters.stop ?? []).joined(separator: "\u{0}"),
        ]
        let messages = conversation?.context ?? request.messages
        let callerScope = caller.warmsCache ? CacheKey.operatorScope : cacheSettings.scope == .key ? (caller.key?.id ?? "") : ""
        var keys = [CacheKey(scope: callerScope, fingerprint: fingerprint, messages: messages)]
        if callerScope != CacheKey.operatorScope { keys.append(CacheKey(scope: CacheKey.operatorScope, fingerprint: fingerprint, messages: messages)) }
        let question = CacheQuestion(assistant: route.assistant.id, settings: cacheSettings, keys: keys)
        let lookup = await cache.lookup(question, embedder: embedder(for: cacheSettings, routes: settings.routes, requestID: caller.requestID),
                                        logger: logger)
        if case .hit(_, let report) = lookup {
            caller.requestLog.set("cache", .string(report.semantic ? "semantic_hit" : "hit"))
        } else {
            caller.requestLog.set("cache", .string("miss"))
        }
        return lookup
    }

    /// The assistant's embedder, when its provider is configured and its plugin embeds (ABI 1.3).
    private func embedder(for settings: CacheSettings, routes: RouteTable, requestID: String) -> ResponseCache.Embedder? {
        guard let semantic = settings.semantic,
              let instance = routes.providers.first(where: { $0.name == semantic.embedder })?.instance,
              instance.plugin.canEmbed
        else { return nil }
        return { text in
            let vectors = try await instance.embed(model: semantic.model, inputs: [text], requestID: requestID)
            guard let vector = vectors.first else { throw EmbeddingError.malformed("the embedder returned no vector") }
            return vector
        }
    }

    /// A turn answered from the cache: the stored deltas replayed as a live reply's, with zero
    /// provider tokens, then stored and counted like any turn by its finishing.
    func replay(_ reply: CachedReply, report: CacheReport, request: TurnRequest, route: AssistantRoute, conversation: ConversationTurn?,
                finishing: TurnFinishing, caller: TurnCaller) -> ChatTurn {
        caller.requestLog.set("provider", .string(reply.provider))
        caller.requestLog.set("model", .string(reply.model))
        let metadata = TurnMetadata(requestID: caller.requestID, assistant: route.assistant.id, provider: reply.provider, model: reply.model,
                                    conversationID: conversation?.conversationID, contextWasReset: conversation?.contextWasReset ?? false,
                                    cache: report)
        let events = reply.deltas.map(PluginEvent.delta) + [.usage(TokenUsage(inputTokens: 0, outputTokens: 0)),
                                                            .done(finishReason: reply.finishReason, state: nil)]
        let record = ReplyRecord(keepsText: conversation != nil || !request.stream)
        return ChatTurn(metadata: metadata, events: PluginEventReader(replaying: events), record: record, ending: nil, finishing: finishing)
    }
}
