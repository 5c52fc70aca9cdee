import PatchbayJSON

/// A chat request as the host passes it to `chat_start`: the one type both sides of the ABI use
/// for its request JSON (the host writes it, the kit reads it).
public typealias ChatCallRequest = PatchbayJSON.ChatCallRequest

/// An embedding request as the host passes it to `embed_start` (ABI 1.3).
public typealias EmbeddingCallRequest = PatchbayJSON.EmbeddingCallRequest

/// The project's JSON string writer, for plugins that write upstream bodies as text.
public typealias JSONText = PatchbayJSON.JSONText

/// The project's JSON reader, for plugins that read upstream replies without Foundation.
public typealias JSONValue = PatchbayJSON.JSONValue

extension JSONText {
    /// `{"content":…,"role":…}`: one chat message as OpenAI's Chat Completions, Anthropic's
    /// Messages and OpenAI's Responses bodies all write it (members in sorted order).
    public static func chatMessage(role: String, content: String) -> String {
        #"{"content":"# + string(content) + #","role":"# + string(role) + "}"
    }
}
