import NIOCore
import PatchbayJSON
import PatchbayPluginHost

/// A JSON request body read member by member, for doors whose wire formats mix types (a string
/// or a list of parts): every refusal is a `TurnError` naming the member at fault, which each
/// door reports in its own error shape (OpenAI's `param`, say).
struct JSONRequestBody {
    /// The object read.
    let object: JSONValue
    /// How members are named in messages: `messages[2].content`.
    let path: String

    init(object: JSONValue, path: String = "") {
        self.object = object
        self.path = path
    }

    /// Reads a body that must be one JSON object.
    init(_ body: ByteBuffer) throws(TurnError) {
        guard body.readableBytes > 0 else { throw TurnError(.invalidRequest, "The request body is empty; send a JSON object.") }
        let parsed = try? body.withUnsafeReadableBytes { bytes throws(JSONParseError) in try JSONValue.parse(bytes) }
        guard let object = parsed, object.object != nil else {
            throw TurnError(.invalidRequest, parsed == nil ? "The request body is not valid JSON." : "The request body must be a JSON object.")
        }
        self.init(object: object)
    }

    /// `key`'s full name, as messages give it.
    func name(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    /// Whether `key` is present with a value other than null.
    func has(_ key: String) -> Bool { object[key].map { !$0.isNull } ?? false }

    private func refuse(_ key: String, _ expected: String) -> TurnError {
        TurnError(.invalidRequest, "\(name(key)) must be \(expected).", field: name(key))
    }

    func string(_ key: String) throws(TurnError) -> String? {
        guard has(key) else { return nil }
        guard let value = object[key]?.string else { throw refuse(key, "a string") }
        return value
    }

    /// A string that must be present: absent is "required", while null is the wrong type.
    func requiredString(_ key: String) throws(TurnError) -> String {
        guard let value = object[key] else { throw TurnError(.invalidRequest, "\(name(key)) is required.", field: name(key)) }
        guard let string = value.string else { throw refuse(key, "a string") }
        return string
    }

    func bool(_ key: String) throws(TurnError) -> Bool? {
        guard has(key) else { return nil }
        guard let value = object[key]?.bool else { throw refuse(key, "true or false") }
        return value
    }

    func number(_ key: String, in range: ClosedRange<Double>) throws(TurnError) -> Double? {
        guard has(key) else { return nil }
        guard let value = object[key]?.double, range.contains(value) else {
            throw refuse(key, "a number from \(range.lowerBound.formatted) to \(range.upperBound.formatted)")
        }
        return value
    }

    /// A whole number of at least `minimum`; one past what `Int` holds (`1e30`) reads as `Int.max`,
    /// since every such number only ever caps something.
    func integer(_ key: String, atLeast minimum: Int) throws(TurnError) -> Int? {
        guard has(key) else { return nil }
        if let integer = object[key]?.int, integer >= minimum { return integer }
        guard let number = object[key]?.double, number >= 9.2e18, number == number.rounded(.down) else {
            throw refuse(key, "an integer of at least \(minimum)")
        }
        return Int.max
    }

    /// A string or a list of at most `limit` strings, as a list.
    func strings(_ key: String, limit: Int) throws(TurnError) -> [String]? {
        guard has(key) else { return nil }
        if let one = object[key]?.string { return [one] }
        guard let list = object[key]?.array, list.count <= limit, case let strings = list.compactMap(\.string), strings.count == list.count else {
            throw refuse(key, "a string or a list of at most \(limit) strings")
        }
        return strings
    }

    /// A list of objects, each readable the same way.
    func objects(_ key: String) throws(TurnError) -> [JSONRequestBody]? {
        guard has(key) else { return nil }
        guard let list = object[key]?.array else { throw refuse(key, "a list") }
        var objects: [JSONRequestBody] = []
        for (index, item) in list.enumerated() {
            guard item.object != nil else {
                throw TurnError(.invalidRequest, "\(name(key))[\(index)] must be an object.", field: "\(name(key))[\(index)]")
            }
            objects.append(JSONRequestBody(object: item, path: "\(name(key))[\(index)]"))
        }
        return objects
    }

    /// An object member, readable the same way.
    func nested(_ key: String) throws(TurnError) -> JSONRequestBody? {
        guard has(key) else { return nil }
        guard let object = object[key], object.object != nil else { throw refuse(key, "an object") }
        return JSONRequestBody(object: object, path: name(key))
    }

    /// Text given as a string or as a list of `{type: "text", text}` parts (joined); any other
    /// part is refused as something this server cannot do yet.
    func text(_ key: String, partTypeKey: String = "type") throws(TurnError) -> String? {
        guard has(key) else { return nil }
        if let text = object[key]?.string { return text }
        guard let parts = try objects(key) else { return nil }
        var text = ""
        for part in parts {
            let type = try part.string(partTypeKey) ?? ""
            guard type == "text" else {
                throw TurnError(.invalidRequest, "\(part.name(partTypeKey)) '\(type)' is not supported; only text is.", field: part.name(partTypeKey))
            }
            text += try part.string("text") ?? ""
        }
        return text
    }

    /// Refuses every member of `keys` that is present: features this server cannot do yet
    /// are refused, never silently dropped.
    func refuseUnsupported(_ keys: [String]) throws(TurnError) {
        for key in keys where has(key) {
            throw TurnError(.invalidRequest, "\(name(key)) is not supported by this server.", field: name(key))
        }
    }
}

extension Double {
    /// `2.0` as "2", `0.5` as "0.5".
    fileprivate var formatted: String { self == rounded() ? String(Int(self)) : String(self) }
}
