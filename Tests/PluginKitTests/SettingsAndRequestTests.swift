import Foundation
import Testing

@testable import PatchbayPluginKit

@Suite("Settings and request decoding")
struct SettingsAndRequestTests {
    @Test("typed readers")
    func readers() throws {
        let settings = try PluginSettings(json: """
            {"provider_name":"oa","api_key":"sk-1","base_url":"https://x","max_retries":3,"temperature":0.5,
             "stream":true,"models":["a","b"],"headers":{"X-A":"1"},"nothing":null,"timeout_ms":1500}
            """)
        #expect(settings.providerName == "oa")
        #expect(try settings.requiredString("api_key") == "sk-1")
        #expect(try settings.string("absent") == nil)
        #expect(try settings.string("nothing") == nil)
        #expect(try settings.int("max_retries", in: 0...10) == 3)
        #expect(try settings.double("temperature") == 0.5)
        #expect(try settings.bool("stream") == true)
        #expect(try settings.strings("models") == ["a", "b"])
        #expect(try settings.stringMap("headers") == ["X-A": "1"])
        #expect(try settings.milliseconds("timeout_ms") == .milliseconds(1500))
    }

    @Test("errors name the key, never the value")
    func errors() throws {
        let settings = try PluginSettings(json: "{\"api_key\": 12345, \"n\": 1.5, \"big\": 99, \"empty\": \"\", \"flag\": 1}")
        #expect(throws: SettingsError.self) { try settings.string("api_key") }
        do {
            _ = try settings.requiredString("api_key")
            Issue.record("expected an error")
        } catch let error as SettingsError {
            #expect(error.key == "api_key")
            #expect(!error.message.contains("12345"))
        }
        #expect(throws: SettingsError.self) { try settings.int("n") }
        #expect(throws: SettingsError.self) { try settings.int("big", in: 0...10) }
        #expect(throws: SettingsError.self) { try settings.requiredString("empty") }
        #expect(throws: SettingsError.self) { try settings.requiredString("missing") }
        #expect(throws: SettingsError.self) { try settings.bool("flag") }
        #expect(throws: SettingsError.self) { try PluginSettings(json: "[1]") }
        #expect(throws: SettingsError.self) { try PluginSettings(json: "not json") }
    }

    @Test("decode a Decodable settings type; failures become SettingsError")
    func decode() throws {
        struct OpenAISettings: Decodable, Equatable {
            var api_key: String
            var base_url: String?
        }
        let settings = try PluginSettings(json: "{\"api_key\":\"sk\",\"provider_name\":\"p\"}")
        #expect(try settings.decode(OpenAISettings.self) == OpenAISettings(api_key: "sk", base_url: nil))
        let bad = try PluginSettings(json: "{\"api_key\": \"sk-secret\", \"base_url\": 3}")
        do {
            _ = try bad.decode(OpenAISettings.self)
            Issue.record("expected an error")
        } catch let error as SettingsError {
            #expect(error.key == "base_url")
            #expect(!error.message.contains("sk-secret"))
        }
    }

    @Test("the ABI's request JSON")
    func request() throws {
        let json = """
            {"request_id":"req-1","model":"gpt-x","system":"be brief",
             "messages":[{"role":"user","content":"hi"},{"role":"assistant","content":"yo"},{"role":"user","content":"more"}],
             "stream":true,"temperature":0.2,"max_tokens":64,"top_p":0.9,"stop":["\\n\\n"],"future_member":{"a":1}}
            """
        let request = try ChatCallRequest(json: Data(json.utf8))
        #expect(request == ChatCallRequest(
            requestID: "req-1", model: "gpt-x", system: "be brief",
            messages: [.init(role: "user", content: "hi"), .init(role: "assistant", content: "yo"), .init(role: "user", content: "more")],
            stream: true, temperature: 0.2, maxTokens: 64, topP: 0.9, stop: ["\n\n"]))
        let minimal = try ChatCallRequest(json: Data("{\"model\":\"m\",\"messages\":[]}".utf8))
        #expect(minimal.requestID == "")
        #expect(minimal.stream == false)
        #expect(minimal.temperature == nil)
        #expect(throws: (any Error).self) { try ChatCallRequest(json: Data("{\"messages\":[]}".utf8)) }
    }

    @Test("JSON values keep booleans and numbers apart")
    func jsonValues() throws {
        let settings = try PluginSettings(json: "{\"t\":true,\"one\":1,\"zero\":0,\"f\":false}")
        #expect(settings["t"] == .bool(true))
        #expect(settings["one"] == .integer(1))
        #expect(settings["zero"] == .integer(0))
        #expect(settings["f"] == .bool(false))
    }

    @Test("host log: levels and the disabled log")
    func hostLog() {
        let lines = Recorder<String>()
        let log = HostLog { level, message in lines.append("\(level.rawValue):\(message)") }
        log.trace("t")
        log.error("e")
        HostLog.disabled.info("dropped")
        #expect(lines.all == ["0:t", "4:e"])
    }

    @Test("manifest JSON escapes text")
    func manifest() throws {
        let manifest = PluginManifest(capabilities: [.stream, "tools"], models: ["m\"1"], description: "line\nbreak")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(manifest.json.utf8)) as? [String: Any])
        #expect(object["capabilities"] as? [String] == ["stream", "tools"])
        #expect(object["models"] as? [String] == ["m\"1"])
        #expect(object["description"] as? String == "line\nbreak")
    }
}
