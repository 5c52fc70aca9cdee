import Foundation
import Hummingbird
import Logging
import PatchbayStorage

/// `GET /api/conversations/:id` (paged) and `DELETE /api/conversations/:id`.
struct ConversationController: Sendable {
    /// Where conversations are kept; nil when none are (every route then answers 404).
    let store: (any ConversationStore)?

    func addRoutes(to api: some RouterMethods<PatchbayRequestContext>) {
        api.get("conversations/:id", use: show)
        api.delete("conversations/:id", use: delete)
    }

    struct Page: Encodable {
        struct ConversationInfo: Encodable {
            var id: String; var assistantType: String
            var createdAt: Date; var updatedAt: Date; var contextStartedAt: Date?; var messageCount: Int
        }
        struct Message: Encodable {
            struct Usage: Encodable { var inputTokens: Int; var outputTokens: Int; var totalTokens: Int }
            var id: Int64; var role: String; var content: String; var timestamp: Date
            var assistantType: String?; var provider: String?; var model: String?
            var usage: Usage?; var status: String; var errorCode: String?
        }
        struct Pagination: Encodable {
            var page: Int; var limit: Int; var total: Int; var pages: Int
            var has_next: Bool; var has_prev: Bool
        }
        var conversation: ConversationInfo
        var messages: [Message]
        var pagination: Pagination
    }

    @Sendable func show(request: Request, context: PatchbayRequestContext) async throws -> Response {
        let store = try requireStore()
        let id = try conversationID(context)
        let page = try Self.positiveInteger(request.uri.queryParameters["page"], name: "page", default: 1, maximum: 1_000_000)
        let limit = try Self.positiveInteger(request.uri.queryParameters["limit"], name: "limit", default: 50, maximum: 200)
        let conversation: Conversation
        let messages: MessagePage
        do {
            guard let found = try await store.conversation(id: id), found.allows(context.apiKey, to: .read) else { throw Self.notFound(id) }
            conversation = found
            messages = try await store.messages(conversationID: id, page: page, limit: limit)
        } catch let error as APIError {
            throw error
        } catch {
            context.logger.error("conversation read failed: \(error)")
            throw APIError(.internalError, "The conversation could not be read. Please try again.")
        }
        let body = Page(
            conversation: .init(id: conversation.id, assistantType: conversation.assistantType, createdAt: conversation.createdAt,
                                updatedAt: conversation.updatedAt, contextStartedAt: conversation.contextStartedAt,
                                messageCount: conversation.messageCount),
            messages: messages.messages.map { message in
                .init(id: message.id, role: message.role.rawValue, content: message.content, timestamp: message.createdAt,
                      assistantType: message.assistantType, provider: message.provider, model: message.model,
                      usage: message.usage.map { .init(inputTokens: $0.inputTokens, outputTokens: $0.outputTokens, totalTokens: $0.inputTokens + $0.outputTokens) },
                      status: message.status.rawValue, errorCode: message.errorCode)
            },
            pagination: .init(page: messages.page, limit: messages.limit, total: messages.total, pages: messages.pages,
                              has_next: messages.hasNext, has_prev: messages.hasPrevious)
        )
        return try JSONResponse.make(body)
    }

    @Sendable func delete(request: Request, context: PatchbayRequestContext) async throws -> Response {
        let store = try requireStore()
        let id = try conversationID(context)
        let deleted: Bool
        do {
            guard let found = try await store.conversation(id: id), found.allows(context.apiKey, to: .delete) else { throw Self.notFound(id) }
            deleted = try await store.deleteConversation(id: id)
        } catch let error as APIError {
            throw error
        } catch {
            context.logger.error("conversation delete failed: \(error)")
            throw APIError(.internalError, "The conversation could not be deleted. Please try again.")
        }
        guard deleted else { throw Self.notFound(id) }
        return Response(status: .noContent)
    }

    private func requireStore() throws -> any ConversationStore {
        guard let store else { throw APIError(.notFound, "Conversations are not stored on this server.") }
        return store
    }

    /// The path's id. One the chat route could never have stored names no conversation: 404,
    /// not the store's refusal of it.
    private func conversationID(_ context: PatchbayRequestContext) throws -> String {
        let id = try context.parameters.require("id")
        guard ConversationID.isValid(id) else { throw Self.notFound(id) }
        return id
    }

    private static func notFound(_ id: String) -> APIError {
        APIError(.notFound, "No conversation with id '\(id.prefix(128))'.")
    }

    private static func positiveInteger(_ text: Substring?, name: String, default value: Int, maximum: Int) throws -> Int {
        guard let text else { return value }
        guard let number = Int(text), (1...maximum).contains(number) else {
            throw APIError(.invalidRequest, "\(name) must be a whole number from 1 to \(maximum).", field: name)
        }
        return number
    }
}

/// JSON bodies for the read-only endpoints (not the chat hot path, so JSONEncoder is fine).
enum JSONResponse {
    static func make(_ value: some Encodable) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(date.formatted(.iso8601.year().month().day().time(includingFractionalSeconds: true).timeZone(separator: .omitted)))
        }
        return Response(
            status: .ok,
            headers: [.contentType: "application/json; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(bytes: try encoder.encode(value)))
        )
    }
}
