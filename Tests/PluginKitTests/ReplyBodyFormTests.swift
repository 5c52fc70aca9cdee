import Testing

@testable import PatchbayPluginKit

@Suite("A reply's form is read from its Content-Type")
struct ReplyBodyFormTests {
    @Test(
        "media types, parameters and case",
        arguments: [
            ("text/event-stream", false, ReplyBodyForm.eventStream),
            ("text/event-stream; charset=utf-8", false, .eventStream),
            ("Text/Event-Stream", true, .eventStream),
            ("application/json", true, .json),
            ("application/json; charset=utf-8", true, .json),
            ("application/problem+json", true, .json),
            ("text/html; charset=utf-8", true, .unexpected("text/html; charset=utf-8")),
            ("text/plain", false, .unexpected("text/plain")),
        ] as [(String, Bool, ReplyBodyForm)]
    )
    func forms(contentType: String, asked: Bool, expected: ReplyBodyForm) {
        #expect(ReplyBodyForm(contentType: contentType, asked: asked) == expected)
    }

    @Test("without a Content-Type, the form that was asked for")
    func missing() {
        #expect(ReplyBodyForm(contentType: nil, asked: true) == .eventStream)
        #expect(ReplyBodyForm(contentType: "", asked: false) == .json)
    }
}
