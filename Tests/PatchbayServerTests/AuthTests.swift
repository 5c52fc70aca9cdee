import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import PatchbayConfig
import PatchbayTestSupport
import Testing

@testable import PatchbayServer

@Suite("Authentication through the real host")
struct AuthTests {
    /// widget-prod: given by its SHA-256 ("pk-prod-123"), only `default`. ops: from OPS_KEY, every
    /// assistant. revoked: its variable is unset, so it is disabled.
    static let yaml = TestHost.yaml + """

        auth:
          enabled: true
          keys:
            - id: widget-prod
              sha256: 317379f06c35a7199ad4f84ef6de2eeb8c1922cbcb9f17a6589b865bdebde356   # echo -n pk-prod-123 | sha256sum
              assistants: [default]
            - id: ops
              key_env: PATCHBAY_TEST_OPS_KEY
            - id: revoked
              key_env: PATCHBAY_TEST_REVOKED_KEY
        """

    private func withApp(_ test: @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        try await TestHost(yaml: Self.yaml, environment: ["PATCHBAY_TEST_OPS_KEY": "pk-ops-456"]).test(test)
    }

    private func chat(_ client: some TestClientProtocol, assistant: String = "default", headers: HTTPFields) async throws -> TestResponse {
        try await client.execute(uri: "/api/chat", method: .post, headers: headers,
                                 body: ByteBuffer(string: #"{"message":"hi","assistantType":"\#(assistant)","stream":false}"#))
    }

    @Test("a missing, wrong or revoked key gets 401 UNAUTHORIZED with a Bearer challenge")
    func refusedKeys() async throws {
        try await withApp { client in
            for headers: HTTPFields in [[:], [.authorization: "Bearer pk-wrong"], [.authorization: "Basic cGs="], [.xAPIKey: "pk-prod-12"], [.xAPIKey: ""]] {
                let response = try await chat(client, headers: headers)
                #expect(response.status == .unauthorized)
                #expect(response.headers[.wwwAuthenticate] == "Bearer")
                #expect(String(buffer: response.body).contains(#""code":"UNAUTHORIZED""#))
            }
            // The revoked key has no value at all: nothing can match it, not even an empty one.
            do {
                let status = try await chat(client, headers: [.authorization: "Bearer "]).status
                #expect(status == .unauthorized)
            }
        }
    }

    @Test("a valid key works as Bearer or X-API-Key; a key outside its assistants gets 403 FORBIDDEN")
    func acceptedKeys() async throws {
        try await withApp { client in
            do {
                let status = try await chat(client, headers: [.authorization: "Bearer pk-prod-123"]).status
                #expect(status == .ok)
            }
            do {
                let status = try await chat(client, headers: [.xAPIKey: "pk-prod-123"]).status
                #expect(status == .ok)
            }
            let forbidden = try await chat(client, assistant: "slow", headers: [.xAPIKey: "pk-prod-123"])
            #expect(forbidden.status == .forbidden)
            #expect(String(buffer: forbidden.body) == #"{"error":{"message":"This API key may not use the assistant 'slow'.","code":"FORBIDDEN","details":{"field":"assistantType"}}}"#)
            do {
                let status = try await chat(client, assistant: "slow", headers: [.authorization: "bearer pk-ops-456"]).status
                #expect(status == .ok)
            }
        }
    }

    @Test("health stays open; every /api/ endpoint asks for a key")
    func openAndClosed() async throws {
        try await withApp { client in
            do {
                let status = try await client.execute(uri: "/health", method: .get).status
                #expect(status == .ok)
            }
            for uri in ["/api/assistants", "/api/providers", "/api/conversations/x"] {
                do {
                    let status = try await client.execute(uri: uri, method: .get).status
                    #expect(status == .unauthorized)
                }
            }
            do {
                let status = try await client.execute(uri: "/api/assistants", method: .get, headers: [.xAPIKey: "pk-ops-456"]).status
                #expect(status == .ok)
            }
        }
    }
}
