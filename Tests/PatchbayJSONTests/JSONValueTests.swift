import Foundation
import PatchbayJSON
import SeededRandom
import Testing

@Suite("JSONValue: the JSON reader of the hot path")
struct JSONValueTests {
    @Test("values of every kind read as written")
    func kinds() throws {
        let value = try JSONValue.parse(#" {"a":[1,-0,2.5,-3e2,1E-2,true,false,null],"b":{"c":"d"},"":"empty"} "#)
        #expect(value["a"] == .array([.integer(1), .integer(0), .double(2.5), .double(-300), .double(0.01), .bool(true), .bool(false), .null]))
        #expect(value["b"]?["c"]?.string == "d")
        #expect(value[""]?.string == "empty")
        #expect(value["missing"] == nil)
        #expect(try JSONValue.parse("42").int == 42)
        #expect(try JSONValue.parse("4.0").int == 4)
        #expect(try JSONValue.parse("4.5").int == nil)
        #expect(try JSONValue.parse(#""x""#).string == "x")
        #expect(try JSONValue.parse("[]") == .array([]))
        #expect(try JSONValue.parse("{}").object?.isEmpty == true)
    }

    @Test("a repeated member name resolves to its last occurrence, order is kept")
    func repeatedNames() throws {
        let value = try JSONValue.parse(#"{"k":1,"z":0,"k":2}"#)
        #expect(value["k"]?.int == 2)
        #expect(value.object?.map(\.name) == ["k", "z", "k"])
    }

    @Test(
        "escapes decode, surrogate pairs join",
        arguments: [
            (#""\"\\\/\b\f\n\r\t""#, "\"\\/\u{8}\u{C}\n\r\t"),
            (#""\u00e9\u20AC""#, "é€"),
            (#""\ud83d\ude00 ok""#, "😀 ok"),
            (#""plain é 😀""#, "plain é 😀"),
            (#""a\u0000b""#, "a\u{0}b"),
        ]
    )
    func escapes(text: String, expected: String) throws {
        #expect(try JSONValue.parse(text).string == expected)
    }

    @Test(
        "malformed text is refused with the offset of the fault",
        arguments: [
            ("", 0), ("{", 1), (#"{"a"}"#, 4), (#"{"a":1,}"#, 7), ("[1,]", 3), ("[1 2]", 3), ("01", 1), ("1.", 2), ("1e", 2),
            ("-", 1), ("+1", 0), ("tru", 0), ("nul", 0), ("True", 0), (#""abc"#, 4), ("\"a\u{1}b\"", 2), (#""\x""#, 2),
            (#""\ud800""#, 7), (#""\udc00x""#, 7), (#""\u12""#, 3), ("1 2", 2), ("{} x", 3), ("NaN", 0), ("1e999", 0),
        ]
    )
    func malformed(text: String, offset: Int) {
        #expect(throws: JSONParseError.self) { try JSONValue.parse(text) }
        do { _ = try JSONValue.parse(text) } catch { #expect(error.offset == offset, "\(text): \(error)") }
    }

    @Test("invalid UTF-8 inside a string is refused")
    func invalidUTF8() {
        #expect(throws: JSONParseError.self) { try JSONValue.parse([0x22, 0xC3, 0x28, 0x22]) }
        #expect(throws: JSONParseError.self) { try JSONValue.parse([0x22, 0x5C, 0x6E, 0xFF, 0x22]) }
    }

    @Test("nesting is bounded, so a hostile body cannot exhaust the stack")
    func depth() throws {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect(throws: JSONParseError.self) { try JSONValue.parse(deep) }
        let fine = String(repeating: "[", count: 200) + String(repeating: "]", count: 200)
        #expect(try JSONValue.parse(fine).array?.count == 1)
    }

    @Test("reads back thousands of random documents that Foundation's JSONSerialization wrote")
    func readsFoundationOutput() throws {
        var random = SeededGenerator(seed: 0xD0C_5EED)
        for _ in 0..<3_000 {
            let document = randomDocument(depth: 0, using: &random)
            let data = try JSONSerialization.data(withJSONObject: document, options: [.fragmentsAllowed])
            let parsed = try JSONValue.parse(Array(data))
            #expect(same(parsed, document), "\(String(decoding: data, as: UTF8.self))")
        }
    }
}

/// Whether a parsed value holds the document that was written (Swift values, not bridged ones).
private func same(_ value: JSONValue, _ original: Any) -> Bool {
    switch value {
    case .null: return original is NSNull
    case .bool(let bool): return original as? Bool == bool
    case .integer(let int): return original as? Int == int || original as? Double == Double(int)
    case .double(let double): return original as? Double == double
    case .string(let string): return original as? String == string
    case .array(let values):
        guard let list = original as? [Any], list.count == values.count else { return false }
        return zip(values, list).allSatisfy(same)
    case .object(let members):
        guard let dictionary = original as? [String: Any], dictionary.count == members.count else { return false }
        return members.allSatisfy { member in dictionary[member.name].map { same(member.value, $0) } ?? false }
    }
}

private func randomDocument(depth: Int, using random: inout SeededGenerator) -> Any {
    switch random.next() % (depth > 3 ? 5 : 7) {
    case 0: return NSNull()
    case 1: return random.next() % 2 == 0
    case 2: return Int(truncatingIfNeeded: random.next()) >> Int(random.next() % 60)
    case 3: return Double(Int64(truncatingIfNeeded: random.next()) % 1_000_000) / 997.0
    case 4: return randomText(using: &random)
    case 5: return (0..<Int(random.next() % 5)).map { _ in randomDocument(depth: depth + 1, using: &random) }
    default:
        var object: [String: Any] = [:]
        for _ in 0..<Int(random.next() % 5) { object[randomText(using: &random)] = randomDocument(depth: depth + 1, using: &random) }
        return object
    }
}

private func randomText(using random: inout SeededGenerator) -> String {
    var scalars = String.UnicodeScalarView()
    for _ in 0..<Int(random.next() % 12) {
        let pick = random.next() % 4
        let range: UInt64 = pick == 0 ? 0x20 : pick == 1 ? 0x80 : pick == 2 ? 0x800 : 0x11_0000
        if let scalar = Unicode.Scalar(UInt32(random.next() % range)) { scalars.append(scalar) }
    }
    return String(scalars)
}
