import CPatchbayPlugin
import PatchbayJSON
import Testing

/// The echo plugin reads its requests with its own small C reader (EchoJSON.c): it must read back
/// every string JSONText writes, the characters escapers disagree on included.
@Suite("The C echo plugin reads back what JSONText writes")
struct EchoJSONTests {
    @Test(
        "escaped text comes back unchanged",
        arguments: [
            String(String.UnicodeScalarView((0..<0x20).map { Unicode.Scalar(UInt8($0)) })) + "all controls",
            #"quotes " and \ backslashes \" / slash"#,
            "back\u{08}space form\u{0C}feed",
            "line\u{2028}separator paragraph\u{2029}separator",
            "astral 😀 𝄞 \u{10FFFF} and \u{301}lone combining mark",
        ]
    )
    func roundTrip(text: String) throws {
        let session = try RawABISession(product: "EchoProvider", settings: #"{"delay_ms":0}"#)
        // `start` puts the message between quotes: hand it the escaped body.
        let escaped = JSONText.string(text)
        #expect(session.start(message: String(decoding: escaped.utf8.dropFirst().dropLast(), as: UTF8.self)) == PATCHBAY_OK)
        let events = session.finish()
        #expect(events.terminals.first?.kind == PATCHBAY_EVENT_DONE)
        #expect(Array(events.text.utf8) == Array(text.utf8))
    }
}
