import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import PatchbayTestSupport
import Testing

@testable import PatchbayServer

@Suite("A method a path does not have")
struct MethodNotAllowedTests {
    @Test("is 405 METHOD_NOT_ALLOWED with Allow; an unknown path stays 404, a routed method is untouched")
    func methodNotAllowed() async throws {
        try await TestHost().test { client in
            for (method, path, allow) in [(HTTPRequest.Method.trace, "/health", "GET, OPTIONS"), (.put, "/api/chat", "POST, OPTIONS"),
                                          (.patch, "/api/conversations/abc", "GET, DELETE, OPTIONS"), (.post, "/", "GET, HEAD, OPTIONS"),
                                          (.delete, "/widget/chat-bot.js", "GET, HEAD, OPTIONS"), (.head, "/openapi.json", "GET, OPTIONS")] {
                let response = try await client.execute(uri: path, method: method)
                #expect(response.status == .methodNotAllowed, "\(method) \(path)")
                #expect(response.headers[.allow] == allow, "\(method) \(path)")
                #expect(response.headers[.xRequestID] != nil)
                if method != .head {
                    #expect(String(buffer: response.body).hasPrefix(#"{"error":{"message":"#), "\(method) \(path)")
                    #expect(String(buffer: response.body).contains(#""code":"METHOD_NOT_ALLOWED""#), "\(method) \(path)")
                }
            }
            #expect(try await status(client, uri: "/nowhere", method: .trace) == .notFound)
            #expect(try await status(client, uri: "/api/conversations/a/b", method: .get) == .notFound)
            // OPTIONS is every path's (the CORS preflight); one that is not a preflight is 404.
            #expect(try await status(client, uri: "/health", method: .options) == .notFound)
            #expect(try await status(client, uri: "/health", method: .get) == .ok)
            #expect(try await status(client, uri: "/", method: .head) == .ok)
        }
    }

    @Test("is 405 whether or not a key was sent: authentication belongs to routes, and no route has the method")
    func beforeAuthentication() async throws {
        let host = try TestHost(yaml: TestHost.yaml + """

            auth:
              enabled: true
              keys: [{id: unused, sha256: 0000000000000000000000000000000000000000000000000000000000000000}]
            """)
        try await host.test { client in
            let trace = try await status(client, uri: "/api/chat", method: .trace)
            #expect(trace == .methodNotAllowed)
            let post = try await status(client, uri: "/api/chat", method: .post)
            #expect(post == .unauthorized)
            let health = try await status(client, uri: "/health", method: .trace)
            #expect(health == .methodNotAllowed)
        }
    }

    private func status(_ client: some TestClientProtocol, uri: String, method: HTTPRequest.Method) async throws -> HTTPResponse.Status {
        try await client.execute(uri: uri, method: method).status
    }

    @Test("Allow lists exactly the methods the OpenAPI document gives each path")
    func allowMatchesTheDocument() throws {
        let middleware = MethodNotAllowedMiddleware(routes: try TestHost().application.routes)
        for (path, item) in try ParsedOpenAPIDocument().paths {
            let documented = Set(item.keys.filter { ParsedOpenAPIDocument.operationMethods.contains($0) || $0 == "options" }.map { $0.uppercased() })
            let concrete = path.replacingOccurrences(of: "{id}", with: "abc")
            let allow = try #require(middleware.allowedMethods(for: concrete), "\(path)")
            #expect(Set(allow.components(separatedBy: ", ")) == documented, "\(path): Allow: \(allow)")
        }
    }

    @Test("on the admin listener too, where OPTIONS is not every path's (no CORS there)")
    func adminListener() async throws {
        try await TestHost().testAdmin { client in
            for (method, path, allow) in [(HTTPRequest.Method.get, "/admin/reload", "POST"), (.options, "/metrics", "GET"), (.post, "/openapi.json", "GET")] {
                let response = try await client.execute(uri: path, method: method)
                #expect(response.status == .methodNotAllowed, "\(method) \(path)")
                #expect(response.headers[.allow] == allow, "\(method) \(path)")
            }
            #expect(try await status(client, uri: "/api/chat", method: .post) == .notFound)
        }
    }
}
