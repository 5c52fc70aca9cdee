import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// The files of one of the target's resource folders (the widget and its demo page, the chat page,
/// the API reference), read once and kept in memory: a request never touches the file system, so
/// no request path can reach a file that is not one of these.
struct StaticAssets: Sendable {
    /// One file, ready to send.
    struct File: Sendable {
        let body: ByteBuffer
        let contentType: String
        /// A strong validator: the first 16 bytes of the content's SHA-256, quoted.
        let etag: String
    }

    /// Files by name (`chat-bot.js`).
    let files: [String: File]

    /// The widget's files (`chat-bot.js`, the demo page and its script and style), read at first use.
    static let widget = StaticAssets(directory: resourceDirectory("Assets"))

    /// Reads every file of `directory` whose type is known (none if it is missing).
    init(directory: URL?) {
        var files: [String: File] = [:]
        let names = directory.flatMap { try? FileManager.default.contentsOfDirectory(atPath: $0.path) } ?? []
        for name in names {
            guard let directory, let contentType = Self.contentType(of: name),
                  let data = FileManager.default.contents(atPath: directory.appendingPathComponent(name).path) else { continue }
            files[name] = File(body: ByteBuffer(bytes: data), contentType: contentType, etag: EntityTag.strong(for: data))
        }
        self.files = files
    }

    /// Content types of the kinds of file the pages ship; anything else is not served.
    static func contentType(of name: String) -> String? {
        switch (name as NSString).pathExtension {
        case "js": "text/javascript; charset=utf-8"
        case "css": "text/css; charset=utf-8"
        case "html": "text/html; charset=utf-8"
        case "svg": "image/svg+xml"
        case "png": "image/png"
        case "webmanifest": "application/manifest+json"
        default: nil
        }
    }

    /// A folder SwiftPM copies beside the built products (`Patchbay_PatchbayServer.resources/<name>`).
    static func resourceDirectory(_ name: String) -> URL? {
        Bundle.module.url(forResource: name, withExtension: nil)
    }

    /// `name` as a `GET` or `HEAD` response: the file with its ETag and `cacheControl` (and any
    /// `extraHeaders`), a 304 when `If-None-Match` names its ETag, 404 when there is no such file.
    func response(for name: String, request: Request, cacheControl: String, extraHeaders: HTTPFields = [:]) throws -> Response {
        guard let file = files[name] else { throw APIError(.notFound, "No such file.") }
        var headers: HTTPFields = [.eTag: file.etag, .cacheControl: cacheControl]
        headers.append(contentsOf: extraHeaders)
        if let validators = request.headers[.ifNoneMatch], EntityTag.matches(validators, etag: file.etag) {
            return Response(status: .notModified, headers: headers)
        }
        headers[.contentType] = file.contentType
        guard request.method != .head else { return Response(status: .ok, headers: headers) }
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: file.body))
    }
}
