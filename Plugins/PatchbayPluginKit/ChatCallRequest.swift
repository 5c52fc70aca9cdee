import PatchbayJSON

/// A chat request as the host passes it to `chat_start`: the one type both sides of the ABI use
/// for its request JSON (the host writes it, the kit reads it).
public typealias ChatCallRequest = PatchbayJSON.ChatCallRequest

/// The project's JSON string writer, for plugins that write upstream bodies as text.
public typealias JSONText = PatchbayJSON.JSONText

/// The project's JSON reader, for plugins that read upstream replies without Foundation.
public typealias JSONValue = PatchbayJSON.JSONValue
