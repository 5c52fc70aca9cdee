import PatchbayJSON

/// Who said a message.
public enum ChatRole: String, Sendable, Codable, CaseIterable {
    case system, user, assistant
}

/// One message of a conversation.
public struct ChatMessage: Sendable, Equatable, Codable {
    /// Who said it.
    public var role: ChatRole
    /// What was said.
    public var content: String

    /// Creates a message.
    public init(role: ChatRole, content: String) {
        self.role = role
        self.content = content
    }
}

extension ChatCallRequest.Message {
    /// A message of the request schema from a conversation's message.
    public init(_ message: ChatMessage) {
        self.init(role: message.role.rawValue, content: message.content)
    }
}
