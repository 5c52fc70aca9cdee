import Foundation
import Logging
import PatchbayConfig
import PatchbayPluginHost
import PatchbayStorage

/// The storage side of one chat turn: which conversation it belongs to, what context goes to the
/// provider, and the record of the reply once it has ended — however it ended.
final class ConversationTurn: Sendable {  // a class: a turn's frames pass it along (over 500 bytes as a value)
    let store: any ConversationStore
    /// The conversation's id, sent back to the client.
    let conversationID: String
    /// Whether inactivity reset the context before this turn (the reply says so).
    let contextWasReset: Bool
    /// What the provider sees, system prompt excluded: the stored context, then the new message.
    let context: [ChatMessage]
    let assistant: AssistantSettings
    /// The provider-side state the last reply left (ABI 1.2), with the provider it belongs to.
    let providerState: ProviderState?

    init(store: any ConversationStore, conversationID: String, contextWasReset: Bool, context: [ChatMessage],
         assistant: AssistantSettings, providerState: ProviderState?) {
        self.store = store
        self.conversationID = conversationID
        self.contextWasReset = contextWasReset
        self.context = context
        self.assistant = assistant
        self.providerState = providerState
    }

    /// Finds or creates the conversation, commits the user's message **before** the provider
    /// is called, and assembles the context.
    /// - Parameter key: the caller's API key; another key's conversation is "not found".
    static func begin(
        store: any ConversationStore,
        request: TurnRequest,
        key: AuthenticatedKey?,
        assistant: AssistantSettings,
        now: Date = Date()
    ) async throws -> ConversationTurn {
        // The decoder guarantees a final user message whenever a conversation is involved.
        let newMessage = request.messages[request.messages.count - 1]
        let id = request.conversationID ?? UUID().uuidString.lowercased()
        var reset = false
        var history: [StoredMessage] = []
        var providerState: ProviderState? = nil

        if let conversation = try await store.conversation(id: id) {
            // Not 403: a key must not learn that another key's conversation exists.
            guard conversation.allows(key, to: .continue) else {
                throw TurnError(.notFound, "No conversation '\(id)'.", field: "conversationId")
            }
            // The server is the memory: a known conversation ignores the client's copy of history.
            if now.timeIntervalSince(conversation.updatedAt) > TimeInterval(assistant.conversationTimeout) {
                _ = try await store.resetContext(conversationID: id, at: now)
                reset = true
            } else {
                history = try await store.contextMessages(conversationID: id, limit: assistant.maxConversationLength)
                providerState = conversation.providerState
            }
        } else {
            // An unknown conversation is seeded with what the client remembers.
            let seed = request.messages.dropLast().map {
                NewMessage(role: MessageRole($0.role), content: $0.content, createdAt: now, assistantType: assistant.id)
            }
            _ = try await store.createConversation(id: id, assistantType: assistant.id, seed: Array(seed), at: now, owner: key?.id)
            history = try await store.contextMessages(conversationID: id, limit: assistant.maxConversationLength)
        }
        try await store.append(
            NewMessage(role: .user, content: newMessage.content, createdAt: now, assistantType: assistant.id),
            to: id
        )
        let context = history.map { ChatMessage(role: ChatRole($0.role), content: $0.content) } + [newMessage]
        return ConversationTurn(
            store: store, conversationID: id, contextWasReset: reset, context: context,
            assistant: assistant, providerState: providerState
        )
    }

    /// The state to pass to a call to `provider`: only the provider that produced a state can use it.
    func state(for provider: String) -> String? {
        providerState.flatMap { $0.provider == provider ? $0.value : nil }
    }

    /// Replaces the stored provider state with what the turn's reply left (nil: none), writing
    /// only when it changed. Never throws: a failure is logged, and the next turn sends the whole
    /// context whatever state it finds, should the provider have lost it.
    func keepProviderState(_ state: ProviderState?, logger: Logger) async {
        guard state != providerState else { return }
        do {
            try await store.setProviderState(state, conversationID: conversationID)
        } catch {
            logger.error("could not keep the provider state", metadata: ["conversation.id": .string(conversationID), "error": .string("\(error)")])
        }
    }

    /// Stores the reply, with the provider and model that answered it (or last failed to). Never
    /// throws: the client's answer does not depend on it; a failure is logged.
    func recordReply(_ text: String, status: MessageStatus, errorCode: String? = nil, usage: TokenUsage?,
                     provider: String, model: String, logger: Logger) async {
        let message = NewMessage(
            role: .assistant, content: text, createdAt: Date(), assistantType: assistant.id,
            provider: provider, model: model,
            usage: usage.map { TokenCounts(inputTokens: $0.inputTokens, outputTokens: $0.outputTokens) },
            status: status, errorCode: errorCode
        )
        do {
            try await store.append(message, to: conversationID)
        } catch {
            logger.error("could not store the reply", metadata: ["conversation.id": .string(conversationID), "error": .string("\(error)")])
        }
    }
}

extension MessageRole {
    init(_ role: ChatRole) {
        switch role {
        case .system: self = .system
        case .user: self = .user
        case .assistant: self = .assistant
        }
    }
}

extension ChatRole {
    init(_ role: MessageRole) {
        switch role {
        case .system: self = .system
        case .user: self = .user
        case .assistant: self = .assistant
        }
    }
}
