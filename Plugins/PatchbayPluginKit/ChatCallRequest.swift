import PatchbayJSON

/// A chat request as the host passes it to `chat_start`: the one type both sides of the ABI use
/// for its request JSON (the host writes it, the kit reads it).
public typealias ChatCallRequest = PatchbayJSON.ChatCallRequest
