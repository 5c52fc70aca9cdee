import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import PatchbayConfig
import PatchbayTestSupport
import Testing

@testable import PatchbayServer

@Suite("Cross-origin requests")
struct OriginPolicyTests {
    private func withApp(origins: [String], _ test: @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        try await TestHost { $0.server.corsOrigins = origins }.test(test)
    }

    private static let chat = ByteBuffer(string: #"{"message":"hi","stream":false}"#)

    @Test("an allowed origin's preflight is answered, and its responses carry the grant")
    func allowedOrigin() async throws {
        try await withApp(origins: ["https://shop.example"]) { client in
            let preflight = try await client.execute(uri: "/api/chat", method: .options, headers: [
                .origin: "https://shop.example", .accessControlRequestMethod: "POST", .accessControlRequestHeaders: "content-type",
            ])
            #expect(preflight.status == .noContent)
            #expect(preflight.headers[.accessControlAllowOrigin] == "https://shop.example")
            #expect(preflight.headers[.accessControlAllowMethods]?.contains("POST") == true)
            #expect(preflight.headers[.accessControlAllowHeaders]?.contains("Content-Type") == true)
            #expect(preflight.headers[.vary] == "Origin")

            let response = try await client.execute(uri: "/api/chat", method: .post, headers: [.origin: "https://shop.example"], body: Self.chat)
            #expect(response.status == .ok)
            #expect(response.headers[.accessControlAllowOrigin] == "https://shop.example")
            #expect(response.headers[.accessControlExposeHeaders]?.contains("X-Conversation-ID") == true)
        }
    }

    @Test("another origin gets no grant: its preflight and its chat are refused with 403")
    func refusedOrigin() async throws {
        try await withApp(origins: ["https://shop.example"]) { client in
            let preflight = try await client.execute(uri: "/api/chat", method: .options, headers: [
                .origin: "https://evil.example", .accessControlRequestMethod: "POST",
            ])
            #expect(preflight.status == .forbidden)
            #expect(preflight.headers[.accessControlAllowOrigin] == nil)

            let chat = try await client.execute(uri: "/api/chat", method: .post, headers: [.origin: "https://evil.example"], body: Self.chat)
            #expect(chat.status == .forbidden)
            #expect(String(buffer: chat.body) == #"{"error":{"message":"This origin may not call this server.","code":"FORBIDDEN","details":{"field":"Origin"}}}"#)
            #expect(chat.headers[.accessControlAllowOrigin] == nil)

            let health = try await client.execute(uri: "/health", method: .get, headers: [.origin: "https://evil.example"])
            #expect(health.status == .ok)
            #expect(health.headers[.accessControlAllowOrigin] == nil)
        }
    }

    @Test("same-origin pages and clients without Origin are not cross-origin")
    func sameOriginAndNoOrigin() async throws {
        try await withApp(origins: []) { client in
            let plain = try await client.execute(uri: "/api/chat", method: .post, body: Self.chat)
            #expect(plain.status == .ok)
        }
        // Over a real socket, as a browser on the host's own page sends it: Origin = the Host it called.
        try await (try TestHost()).live { port in
            let request = RawHTTPClient.post("/api/chat", json: #"{"message":"hi","stream":false}"#, headers: ["Origin": "http://localhost"])  // the raw client sends Host: localhost
            let reply = try await RawHTTPClient.exchange(port: port, request: request) { try await RawHTTPClient.read(&$0) { $0.contains("}") } }
            #expect(reply.hasPrefix("HTTP/1.1 200 OK"), "\(reply.prefix(200))")
            let foreign = RawHTTPClient.post("/api/chat", json: #"{"message":"hi","stream":false}"#, headers: ["Origin": "http://elsewhere:\(port)"])
            let refused = try await RawHTTPClient.exchange(port: port, request: foreign) { try await RawHTTPClient.read(&$0) { $0.contains("}") } }
            #expect(refused.hasPrefix("HTTP/1.1 403 Forbidden"))
        }
    }

    @Test("'*' allows any origin")
    func wildcard() async throws {
        try await withApp(origins: ["*"]) { client in
            let response = try await client.execute(uri: "/api/chat", method: .post, headers: [.origin: "https://anyone.example"], body: Self.chat)
            #expect(response.status == .ok)
            #expect(response.headers[.accessControlAllowOrigin] == "*")
        }
    }
}
