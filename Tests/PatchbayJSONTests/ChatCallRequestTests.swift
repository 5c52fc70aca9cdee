import Foundation
import PatchbayJSON
import Testing

@Suite("The ABI's request JSON, written by the host and read by the plugin kit")
struct ChatCallRequestTests {
    @Test("every member survives the trip, optional ones included")
    func roundTrip() throws {
        let request = ChatCallRequest(
            requestID: "req-1", model: "gpt-4o-mini", system: "Be \"brief\".\n",
            messages: [.init(role: "user", content: "hi\u{2028}there"), .init(role: "assistant", content: "é\u{0}"), .init(role: "user", content: "again")],
            stream: false, temperature: 0.7, maxTokens: 256, topP: 1, stop: ["\n\n", "END"]
        )
        #expect(try ChatCallRequest(json: Data(request.json.utf8)) == request)
    }

    @Test("optional members are left out when unset, and the order is the header's")
    func minimal() throws {
        let request = ChatCallRequest(requestID: "r", model: "m", messages: [.init(role: "user", content: "x")], stream: true, stop: [])
        #expect(request.json == #"{"request_id":"r","model":"m","messages":[{"role":"user","content":"x"}],"stream":true}"#)
        let read = try ChatCallRequest(json: Data(request.json.utf8))
        #expect(read.stop == nil && read.temperature == nil && read.system == nil)
    }
}
