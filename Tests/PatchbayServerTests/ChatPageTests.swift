import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import PatchbayTestSupport
import Testing

@testable import PatchbayServer

/// The `/chat` page (a PWA on `<chat-bot>`) and the `/docs` API reference, as the host serves them.
@Suite("The chat page and the API reference, served by the host")
struct ChatPageTests {
    /// Every `src`/`href` of a page that names a file of this host (`/chat/app.js`, `/widget/chat-bot.js`).
    static func localReferences(in html: String) -> [String] {
        let pattern = try! NSRegularExpression(pattern: ##"(?:src|href)="(/[^"#?]*)""##)
        return pattern.matches(in: html, range: NSRange(html.startIndex..., in: html)).compactMap {
            Range($0.range(at: 1), in: html).map { String(html[$0]) }
        }
    }

    @Test("/chat and /docs: HTML under the strict CSP (with worker-src and manifest-src), no inline code, revalidated, ETag and 304, HEAD",
          arguments: ["/chat", "/docs"])
    func pages(path: String) async throws {
        try await TestHost().test { client in
            let response = try await client.execute(uri: path, method: .get)
            #expect(response.status == .ok)
            #expect(response.headers[.contentType] == "text/html; charset=utf-8")
            let policy = try #require(response.headers[.contentSecurityPolicy])
            #expect(policy == PageSecurityMiddleware.contentSecurityPolicy)
            #expect(policy.contains("worker-src 'self'") && policy.contains("manifest-src 'self'") && !policy.contains("unsafe-inline"))
            #expect(response.headers[.cacheControl] == "no-cache")
            let html = String(buffer: response.body)
            // What the policy would refuse: a script without src, a <style>, a style attribute, an inline handler.
            #expect(html.components(separatedBy: "<script").count == html.components(separatedBy: "<script src=").count
                    + html.components(separatedBy: "<script type=\"module\" src=").count - 1)
            #expect(!html.contains("<style") && !html.contains("style="))
            #expect(html.range(of: #"\son[a-z]+="#, options: .regularExpression) == nil)

            let etag = try #require(response.headers[.eTag])
            let again = try await client.execute(uri: path, method: .get, headers: [.ifNoneMatch: etag])
            #expect(again.status == .notModified && again.body.readableBytes == 0)
            let head = try await client.execute(uri: path, method: .head)
            #expect(head.status == .ok && head.body.readableBytes == 0 && head.headers[.eTag] == etag)
        }
    }

    @Test("every file a page links, and every module a script imports, is served", arguments: ["/chat", "/docs"])
    func linkedFilesExist(path: String) async throws {
        try await TestHost().test { client in
            let html = String(buffer: try await client.execute(uri: path, method: .get).body)
            var pending = Self.localReferences(in: html)
            #expect(pending.contains("\(path)/\(path == "/chat" ? "app" : "docs").js"), "\(pending)")
            var seen: Set<String> = []
            while let file = pending.popLast() {
                guard seen.insert(file).inserted else { continue }
                let response = try await client.execute(uri: file, method: .get)
                #expect(response.status == .ok, "\(path) links \(file)")
                guard file.hasSuffix(".js") else { continue }
                // `import … from './x.js'`: relative to the importing module's folder.
                let source = String(buffer: response.body)
                let folder = (file as NSString).deletingLastPathComponent
                let imports = try NSRegularExpression(pattern: #"from '\./([\w-]+\.js)'"#)
                for match in imports.matches(in: source, range: NSRange(source.startIndex..., in: source)) {
                    pending.append("\(folder)/\(source[Range(match.range(at: 1), in: source)!])")
                }
            }
            #expect(seen.count >= 4, "\(seen.sorted())")
        }
    }

    @Test("the manifest parses and names /chat, standalone display, theme colours, and icons the host serves at their sizes")
    func manifest() async throws {
        try await TestHost().test { client in
            let response = try await client.execute(uri: "/chat/manifest.webmanifest", method: .get)
            #expect(response.status == .ok)
            #expect(response.headers[.contentType] == "application/manifest+json")
            #expect(response.headers[.cacheControl] == "no-cache" && response.headers[.eTag] != nil)
            let manifest = try #require(try JSONSerialization.jsonObject(with: Data(response.body.readableBytesView)) as? [String: Any])
            #expect(manifest["start_url"] as? String == "/chat" && manifest["scope"] as? String == "/chat")
            #expect(manifest["display"] as? String == "standalone")
            #expect((manifest["name"] as? String)?.isEmpty == false && (manifest["short_name"] as? String)?.isEmpty == false)
            #expect(manifest["theme_color"] is String && manifest["background_color"] is String)
            let icons = try #require(manifest["icons"] as? [[String: String]])
            var pngSizes: Set<String> = []
            for icon in icons {
                let src = try #require(icon["src"])
                let file = try await client.execute(uri: src, method: .get)
                #expect(file.status == .ok, "\(src)")
                #expect(file.headers[.contentType] == icon["type"], "\(src)")
                guard icon["type"] == "image/png", let size = icon["sizes"] else { continue }
                // The PNG's own width and height (IHDR, bytes 16-23) are what the manifest says.
                let bytes = Array(Data(file.body.readableBytesView))
                let width = bytes[16..<20].reduce(0) { $0 << 8 | Int($1) }, height = bytes[20..<24].reduce(0) { $0 << 8 | Int($1) }
                #expect(bytes.starts(with: [0x89, 0x50, 0x4E, 0x47]) && "\(width)x\(height)" == size, "\(src)")
                pngSizes.insert(size)
            }
            #expect(pngSizes.isSuperset(of: ["192x192", "512x512"]), "installable needs 192 and 512 px icons")
            #expect(icons.contains { $0["purpose"] == "maskable" })
        }
    }

    @Test("the service worker: scope /chat allowed, revalidated, caches its shell and never an API call")
    func serviceWorker() async throws {
        try await TestHost().test { client in
            let response = try await client.execute(uri: "/chat/sw.js", method: .get)
            #expect(response.status == .ok)
            #expect(response.headers[.contentType] == "text/javascript; charset=utf-8")
            #expect(response.headers[.serviceWorkerAllowed] == "/chat")
            #expect(response.headers[.cacheControl] == "no-cache")
            #expect(response.headers[.contentSecurityPolicy] == nil, "a script is not HTML")
            let source = String(buffer: response.body)
            #expect(source.contains("const NEVER_CACHED = ['/api/', '/v1/',"))
            #expect(source.contains("if (request.method !== 'GET') return false;"))
            #expect(source.contains("if (NEVER_CACHED.some((prefix) => url.pathname.startsWith(prefix))) return false;"))
            // The shell it caches at install: every entry is served, none is an API route.
            let list = try #require(source.range(of: #"const SHELL = \[[^\]]*\]"#, options: .regularExpression).map { String(source[$0]) })
            let shell = list.split(separator: "'").enumerated().filter { $0.offset % 2 == 1 }.map { String($0.element) }
            #expect(shell.contains("/chat") && shell.contains("/widget/chat-bot.js") && shell.count >= 8, "\(shell)")
            for path in shell {
                #expect(!path.hasPrefix("/api/") && !path.hasPrefix("/v1/"), "\(path)")
                #expect(try await client.execute(uri: path, method: .get).status == .ok, "\(path)")
            }
            let page = String(buffer: try await client.execute(uri: "/chat", method: .get).body)
            #expect(page.contains(#"<link rel="manifest" href="/chat/manifest.webmanifest">"#))
            let app = String(buffer: try await client.execute(uri: "/chat/app.js", method: .get).body)
            #expect(app.contains("navigator.serviceWorker.register('/chat/sw.js', { scope: '/chat' })"))
        }
    }

    @Test("the pages' files: their content types and the widget's cache lifetime", arguments: [
        ("/chat/app.js", "text/javascript; charset=utf-8"), ("/chat/chat.css", "text/css; charset=utf-8"),
        ("/chat/icon.svg", "image/svg+xml"), ("/chat/icon-192.png", "image/png"),
        ("/docs/docs.js", "text/javascript; charset=utf-8"), ("/docs/docs.css", "text/css; charset=utf-8"),
    ])
    func files(path: String, type: String) async throws {
        try await TestHost().test { client in
            let response = try await client.execute(uri: path, method: .get)
            #expect(response.status == .ok)
            #expect(response.headers[.contentType] == type)
            #expect(response.headers[.cacheControl] == WidgetController.cacheControl)
            #expect(response.body.readableBytes > 0)
        }
    }

    @Test("unknown names and traversal attempts are 404", arguments: [
        "/chat/nothing.js", "/chat/..%2FPageController.swift", "/docs/%2e%2e%2f%2e%2e%2fPackage.swift", "/docs/README.md",
        "/chat/sw.js/x", "/docs/nothing.css",
    ])
    func notFound(path: String) async throws {
        try await TestHost().test { client in
            let response = try await client.execute(uri: path, method: .get)
            #expect(response.status == .notFound, "\(path)")
            #expect(String(buffer: response.body).contains(#""code":"NOT_FOUND""#))
        }
    }

    @Test("the API reference is rendered from /openapi.json, which documents the pages' routes")
    func docs() async throws {
        try await TestHost().test { client in
            let script = String(buffer: try await client.execute(uri: "/docs/docs.js", method: .get).body)
            #expect(script.contains("fetch('/openapi.json'"))
        }
        let operations = try ParsedOpenAPIDocument().operations
        for path in ["/chat", "/chat/manifest.webmanifest", "/chat/sw.js", "/chat/{file}", "/docs", "/docs/{file}"] {
            #expect(operations.contains("GET \(path)") && operations.contains("HEAD \(path)"), "\(path)")
        }
    }
}
