import Foundation
import PatchbayJSON
import SeededRandom
import Testing

@Suite("JSONText: the one JSON string escaper")
struct JSONTextTests {
    @Test(
        "fixed examples escape exactly so",
        arguments: [
            ("", #""""#),
            ("plain text, nothing to do", #""plain text, nothing to do""#),
            (#"say "hi""#, #""say \"hi\"""#),
            (#"C:\path\"#, #""C:\\path\\""#),
            ("a/b", #""a/b""#),
            ("tab\tnew\nline\rback\u{08}feed\u{0C}", #""tab\tnew\nline\rback\bfeed\f""#),
            ("\u{00}\u{01}\u{1B}\u{1F}", #""\u0000\u0001\u001b\u001f""#),
            ("\u{7F} DEL and NEL \u{85} stay raw", "\"\u{7F} DEL and NEL \u{85} stay raw\""),
            ("line\u{2028}para\u{2029}end", #""line\u2028para\u2029end""#),
            ("neighbours \u{2027}\u{202A} stay raw", "\"neighbours \u{2027}\u{202A} stay raw\""),
            ("héllo 👋 𝄞 \u{301}alone", "\"héllo 👋 𝄞 \u{301}alone\""),
        ]
    )
    func fixedExamples(input: String, expected: String) {
        #expect(Array(JSONText.string(input).utf8) == Array(expected.utf8))
    }

    @Test("every control character below U+0020 is escaped, with the short form where JSON has one")
    func everyControlCharacter() {
        let short: [UInt32: String] = [0x08: #"\b"#, 0x09: #"\t"#, 0x0A: #"\n"#, 0x0C: #"\f"#, 0x0D: #"\r"#]
        for value in UInt32(0)..<0x20 {
            let input = String(Character(Unicode.Scalar(value)!))
            let expected = short[value] ?? String(format: "\\u%04x", value)
            #expect(JSONText.string(input) == "\"" + expected + "\"", "U+\(String(value, radix: 16))")
        }
    }

    @Test("a JSON parser reads back exactly the input, for thousands of random strings")
    func randomStringsRoundTrip() throws {
        var random = SeededGenerator(seed: 0x5EED_2028)
        for _ in 0..<3000 {
            let input = randomString(using: &random)
            let json = JSONText.string(input)
            let data = Data(json.utf8)

            let decoded = try JSONDecoder().decode(String.self, from: data)
            #expect(Array(decoded.unicodeScalars) == Array(input.unicodeScalars), "JSONDecoder: \(json)")
            // JSONSerialization drops a U+FEFF that starts a run of text, written raw or escaped
            // (swiftlang/swift-foundation#300), so it is compared without them.
            let serialized = try #require(try JSONSerialization.jsonObject(with: data, options: .fragmentsAllowed) as? String, "\(json)")
            #expect(
                serialized.unicodeScalars.filter { $0 != "\u{FEFF}" } == input.unicodeScalars.filter { $0 != "\u{FEFF}" },
                "JSONSerialization: \(json)"
            )

            // What is safe in a JavaScript context: no raw control character or line separator.
            #expect(!json.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x2028 || $0.value == 0x2029 }, "\(json)")
        }
    }

    @Test("text with nothing to escape is copied whole")
    func nothingToEscape() {
        var random = SeededGenerator(seed: 42)
        for _ in 0..<500 {
            let input = String(String.UnicodeScalarView(randomString(using: &random).unicodeScalars.filter {
                $0.value >= 0x20 && $0 != "\"" && $0 != "\\" && $0.value != 0x2028 && $0.value != 0x2029
            }))
            #expect(JSONText.string(input) == "\"" + input + "\"")
        }
    }

    @Test("the small helpers")
    func helpers() {
        #expect(JSONText.stringOrNull(nil) == "null")
        #expect(JSONText.stringOrNull("a\"b") == #""a\"b""#)
        #expect(JSONText.array([]) == "[]")
        #expect(JSONText.array(["a", "b\n"]) == #"["a","b\n"]"#)
        #expect(JSONText.number(0.7) == "0.7")
        #expect(JSONText.number(2) == "2.0")
    }
}

/// Up to 40 scalars, drawn mostly from the ones an escaper can get wrong.
private func randomString(using random: inout SeededGenerator) -> String {
    let tricky: [Unicode.Scalar] = (0..<0x20).map { Unicode.Scalar(UInt8($0)) } + [
        "\"", "\\", "/", "a", "Z", " ", "\u{7F}", "\u{85}", "\u{A0}", "é",
        "\u{301}", "\u{20DD}", "\u{200D}", "\u{FE0F}",             // combining marks, joiner, selector
        "\u{2027}", "\u{2028}", "\u{2029}", "\u{202A}",             // the separators and their neighbours
        "\u{FEFF}", "\u{FFFD}", "\u{FFFF}", "\u{E000}",
        "😀", "𝄞", "\u{1F3FB}", "\u{10FFFF}",                      // astral
    ]
    var scalars = String.UnicodeScalarView()
    for _ in 0..<Int(random.next() % 41) {
        if random.next() % 4 == 0 {
            // Any scalar at all (surrogate code points are not scalars and are skipped).
            if let scalar = Unicode.Scalar(UInt32(random.next() % 0x11_0000)) { scalars.append(scalar) }
        } else {
            scalars.append(tricky[Int(random.next() % UInt64(tricky.count))])
        }
    }
    return String(scalars)
}
