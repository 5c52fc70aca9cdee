import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import PatchbayTestSupport
import Testing

@testable import PatchbayServer

@Suite("The widget's files, served by the host")
struct WidgetAssetTests {
    @Test("chat-bot.js, demo.js and demo.css: their content types, an ETag, a cache lifetime, 304 when unchanged, HEAD")
    func files() async throws {
        let host = try TestHost()
        try await host.test { client in
            for (path, type) in [("/widget/chat-bot.js", "text/javascript; charset=utf-8"), ("/widget/demo.js", "text/javascript; charset=utf-8"),
                                 ("/widget/demo.css", "text/css; charset=utf-8")] {
                let response = try await client.execute(uri: path, method: .get)
                #expect(response.status == .ok, "\(path)")
                #expect(response.headers[.contentType] == type, "\(path)")
                #expect(response.headers[.cacheControl] == "public, max-age=300")
                #expect(response.headers[.contentSecurityPolicy] == nil, "a script is not HTML")
                let etag = try #require(response.headers[.eTag])
                #expect(etag.count == 34 && etag.hasPrefix("\"") && etag.hasSuffix("\""))
                #expect(response.body.readableBytes > 0)

                let again = try await client.execute(uri: path, method: .get, headers: [.ifNoneMatch: etag])
                #expect(again.status == .notModified)
                #expect(again.body.readableBytes == 0)
                #expect(again.headers[.eTag] == etag)
                let listed = try await client.execute(uri: path, method: .get, headers: [.ifNoneMatch: "\"0123\", W/\(etag)"])
                #expect(listed.status == .notModified)
                let changed = try await client.execute(uri: path, method: .get, headers: [.ifNoneMatch: "\"0123\""])
                #expect(changed.status == .ok)
            }
            let head = try await client.execute(uri: "/widget/chat-bot.js", method: .head)
            #expect(head.status == .ok && head.body.readableBytes == 0)
            #expect(head.headers[.contentType] == "text/javascript; charset=utf-8" && head.headers[.eTag] != nil)
            let script = try await client.execute(uri: "/widget/chat-bot.js", method: .get)
            #expect(String(buffer: script.body).contains("customElements.define('chat-bot'"))
        }
    }

    @Test("the demo page at / is HTML under the strict CSP, with no inline script or style")
    func demoPage() async throws {
        let host = try TestHost()
        try await host.test { client in
            let response = try await client.execute(uri: "/", method: .get)
            #expect(response.status == .ok)
            #expect(response.headers[.contentType] == "text/html; charset=utf-8")
            #expect(response.headers[.contentSecurityPolicy] == PageSecurityMiddleware.contentSecurityPolicy)
            let html = String(buffer: response.body)
            #expect(html.contains(#"<script src="/widget/chat-bot.js" defer></script>"#))
            #expect(html.contains(#"<link rel="stylesheet" href="/widget/demo.css">"#))
            // What the policy would refuse: a script without src, a <style>, a style attribute, an inline handler.
            #expect(html.components(separatedBy: "<script").count == html.components(separatedBy: "<script src=").count)
            #expect(!html.contains("<style"))
            #expect(!html.contains("style="))
            #expect(html.range(of: #"\son[a-z]+="#, options: .regularExpression) == nil)
        }
    }

    @Test("unknown names and traversal attempts are 404, whatever exists on disk", arguments: [
        "/widget/nothing.js", "/widget/..%2FWidgetController.swift", "/widget/%2e%2e%2f%2e%2e%2fPackage.swift",
        "/widget/../Package.swift", "/widget/Assets", "/widget/", "/widget/chat-bot.js/x", "/index.html", "/widget/CHAT-BOT.JS",
    ])
    func notFound(path: String) async throws {
        let host = try TestHost()
        try await host.test { client in
            let response = try await client.execute(uri: path, method: .get)
            #expect(response.status == .notFound, "\(path)")
            #expect(String(buffer: response.body).contains(#""code":"NOT_FOUND""#))
        }
    }

    @Test("only files of known types are kept, read once from the folder given")
    func loading() throws {
        let directory = try TemporaryDirectory()
        try directory.write("console.log(1)", as: "a.js")
        try directory.write("secret", as: "notes.txt")
        let assets = StaticAssets(directory: URL(fileURLWithPath: directory.path))
        #expect(Set(assets.files.keys) == ["a.js"])
        #expect(StaticAssets(directory: nil).files.isEmpty)
        #expect(Set(StaticAssets.widget.files.keys) == ["chat-bot.js", "demo.css", "demo.js", "index.html"])
    }
}
