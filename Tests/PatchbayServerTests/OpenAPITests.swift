import Foundation
import Hummingbird
import HummingbirdTesting
import PatchbayTestSupport
import Testing

@testable import PatchbayServer

@Suite("The OpenAPI document")
struct OpenAPITests {
    @Test("is OpenAPI 3.1 JSON and carries the server's version")
    func isOpenAPI31() throws {
        let document = try ParsedOpenAPIDocument()
        #expect(document.root["openapi"] as? String == "3.1.0")
        let info = try #require(document.root["info"] as? [String: Any])
        #expect(info["version"] as? String == PatchbayVersion.current)
        #expect(!document.paths.isEmpty)
    }

    @Test("documents exactly the router's routes: a route without documentation fails here")
    func pathsMatchTheRouter() throws {
        let routes = try ParsedOpenAPIDocument.routerRoutes()
        let documented = try ParsedOpenAPIDocument().operations
        let exceptions = OpenAPIRouteExceptions.self
        #expect(routes.contains("POST /api/chat") && routes.contains("GET /api/conversations/{id}"), "the router's routes could not be listed: \(routes)")
        let undocumented = routes.subtracting(documented).subtracting(exceptions.undocumented)
        #expect(undocumented.isEmpty, "routes missing from the OpenAPI document: \(undocumented.sorted())")
        let unrouted = documented.subtracting(routes).subtracting(exceptions.pending)
        #expect(unrouted.isEmpty, "documented operations the router does not have: \(unrouted.sorted())")
        let landed = exceptions.pending.intersection(routes)
        #expect(landed.isEmpty, "now routed, so remove from OpenAPIRouteExceptions.pending: \(landed.sorted())")
    }

    @Test("the admin document describes exactly the admin listener's routes, and the public one none of them")
    func adminPathsMatchTheAdminRouter() throws {
        let adminRoutes = try ParsedOpenAPIDocument.adminRouterRoutes()
        #expect(adminRoutes == ["GET /metrics", "POST /admin/reload", "GET /openapi.json"])
        #expect(try ParsedOpenAPIDocument.admin().operations == adminRoutes)
        let publicOperations = try ParsedOpenAPIDocument().operations
        #expect(!publicOperations.contains("GET /metrics") && !publicOperations.contains { $0.hasPrefix("POST /admin/") })
        // No CORS on the admin listener: no preflight documented.
        #expect(try ParsedOpenAPIDocument.admin().paths.values.allSatisfy { $0["options"] == nil })
    }

    @Test("every path documents the CORS preflight the origin policy answers")
    func everyPathHasAPreflight() throws {
        for (path, item) in try ParsedOpenAPIDocument().paths {
            let responses = (item["options"] as? [String: Any])?["responses"] as? [String: Any]
            // Authentication belongs to the routes, so an OPTIONS that is not a preflight is 404 on every path.
            let expected: Set<String> = ["204", "403", "404"]
            #expect(Set(responses?.keys.map { $0 } ?? []) == expected, "OPTIONS \(path)")
        }
    }

    @Test("its error codes are APIError's, each under its own HTTP status (both documents)", arguments: [false, true])
    func errorCodesMatchAPIError(admin: Bool) throws {
        let document = try admin ? ParsedOpenAPIDocument.admin() : ParsedOpenAPIDocument()
        let codes = try #require(document.resolve("#/components/schemas/ErrorCode/enum") as? [String])
        #expect(Set(codes) == Set(APIError.Code.allCases.map(\.rawValue)))
        // Every error response pins its code; the code must be the one of that status.
        for (path, item) in document.paths {
            for (method, operation) in item {
                guard let responses = (operation as? [String: Any])?["responses"] as? [String: Any] else { continue }
                for (status, response) in responses {
                    guard let reference = (response as? [String: Any])?["$ref"] as? String else { continue }
                    // One code (`const`), or a few that share the status (`enum`).
                    let pinned = reference + "/content/application~1json/schema/properties/error/properties/code"
                    let codes = try #require((document.resolve(pinned + "/const") as? String).map { [$0] } ?? document.resolve(pinned + "/enum") as? [String],
                                             "\(method) \(path) \(status): \(reference) pins no code")
                    for code in codes {
                        let apiCode = try #require(APIError.Code(rawValue: code))
                        #expect(String(apiCode.status.code) == status, "\(method.uppercased()) \(path) \(status): \(code)")
                    }
                }
            }
        }
    }

    @Test("a blank message is what the document's pattern calls one, scalar by scalar")
    func blankMatchesThePattern() throws {
        let document = try ParsedOpenAPIDocument()
        let pattern = try #require(document.resolve("#/components/schemas/WidgetChatRequest/properties/message/pattern") as? String)
        let regex = try NSRegularExpression(pattern: pattern)
        func documentCallsBlank(_ text: String) -> Bool {
            regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) == nil
        }
        var samples = ["", " \u{301}", "\r\n", "\u{A0}x", "\u{2028}\u{2029}\u{3000}", "e\u{301}", "\u{200B}", "\u{180E}"]
        samples += (0...0x3100).compactMap { Unicode.Scalar($0).map { String(Character($0)) } }
        for text in samples {
            #expect(ChatRequest.isBlank(text) == documentCallsBlank(text), "\(text.unicodeScalars.map { String($0.value, radix: 16) })")
        }
        #expect(ChatRequest.isBlank(" \t\n\u{3000}") && !ChatRequest.isBlank(" \u{301}"))
    }

    @Test("every $ref points at something (both documents)", arguments: [false, true])
    func referencesResolve(admin: Bool) throws {
        let document = try admin ? ParsedOpenAPIDocument.admin() : ParsedOpenAPIDocument()
        let references = document.references
        #expect(references.count > (admin ? 20 : 50))
        let dangling = references.filter { document.resolve($0) == nil }
        #expect(dangling.isEmpty, "dangling references: \(Set(dangling).sorted())")
    }

    @Test("GET /openapi.json serves it as application/json, with an ETag and 304 when unchanged")
    func servedByTheRouter() async throws {
        #expect(!OpenAPIDocument.json.isEmpty, "openapi.json is missing from the target's resources")
        try await TestHost().test { client in
            let response = try await client.execute(uri: "/openapi.json", method: .get)
            #expect(response.status == .ok)
            #expect(response.headers[.contentType] == "application/json; charset=utf-8")
            #expect(response.headers[.xRequestID] != nil)
            #expect(response.headers[.cacheControl] == "no-cache")
            #expect(String(buffer: response.body) == OpenAPIDocument.json)
            let etag = try #require(response.headers[.eTag])
            #expect(etag.count == 34 && etag.hasPrefix("\"") && etag.hasSuffix("\""))

            let again = try await client.execute(uri: "/openapi.json", method: .get, headers: [.ifNoneMatch: "\"0123\", \(etag)"])
            #expect(again.status == .notModified)
            #expect(again.body.readableBytes == 0)
            #expect(again.headers[.eTag] == etag)
            let changed = try await client.execute(uri: "/openapi.json", method: .get, headers: [.ifNoneMatch: "\"0123\""])
            #expect(changed.status == .ok)
            #expect(String(buffer: changed.body) == OpenAPIDocument.json)
        }
    }

    @Test("without its resource file the route is a documented 404, not a crash")
    func missingDocument() async throws {
        let router = Router(context: PatchbayRequestContext.self)
        router.add(middleware: RequestIDMiddleware())
        OpenAPIController(document: nil).addRoutes(to: router)
        try await Application(router: router).test(.router) { client in
            let response = try await client.execute(uri: "/openapi.json", method: .get)
            #expect(response.status == .notFound)
            #expect(String(buffer: response.body).contains(#""code":"NOT_FOUND""#))
        }
    }
}
