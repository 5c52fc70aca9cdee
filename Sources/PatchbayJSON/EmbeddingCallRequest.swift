import Foundation

/// An embedding request as the host passes it to `embed_start` (ABI 1.3): the host writes it
/// with ``json``, a Swift plugin reads it with ``init(json:)``. One type for both sides of the
/// boundary, like ``ChatCallRequest``; C plugins read the schema in the header.
public struct EmbeddingCallRequest: Sendable, Equatable {
    /// The host's request id, for logs.
    public var requestID: String
    /// The upstream embedding model name.
    public var model: String
    /// The texts to embed, one vector each, in this order.
    public var input: [String]

    /// Creates a request.
    public init(requestID: String = "", model: String, input: [String]) {
        self.requestID = requestID
        self.model = model
        self.input = input
    }

    /// The request JSON: `{"request_id":…,"model":…,"input":[…]}`.
    public var json: String {
        #"{"request_id":"# + JSONText.string(requestID) + #","model":"# + JSONText.string(model)
            + #","input":"# + JSONText.array(input) + "}"
    }

    /// Decodes the ABI's embedding request JSON where it lies (the `embed_start` request's bytes).
    /// Unknown members are ignored; `request_id` defaults to "".
    /// - Throws: ``ChatCallRequestError`` naming the member at fault: `model` missing, `input`
    ///   missing, empty, or holding anything but strings.
    public init(json: UnsafeRawBufferPointer) throws {
        try self.init(json: try JSONValue.parse(json.assumingMemoryBound(to: UInt8.self)))
    }

    /// Decodes the ABI's embedding request JSON.
    public init(json: Data) throws {
        try self.init(json: try JSONValue.parse(json))
    }

    init(json value: JSONValue) throws(ChatCallRequestError) {
        guard value.object != nil else { throw ChatCallRequestError(member: "(the request)") }
        guard let model = value["model"]?.string else { throw ChatCallRequestError(member: "model") }
        guard let list = value["input"]?.array, !list.isEmpty else {
            throw ChatCallRequestError(member: "input", detail: "must be a non-empty array of strings")
        }
        let input = list.compactMap(\.string)
        guard input.count == list.count else {
            throw ChatCallRequestError(member: "input", detail: "must hold strings only")
        }
        let requestID = value["request_id"]?.string ?? ""
        self.init(requestID: requestID, model: model, input: input)
    }
}
