import Foundation
import NIOCore

/// The OpenAPI 3.1 document of the HTTP API, served at `GET /openapi.json`: the one description of
/// every endpoint, request, response, header and error.
///
/// Its source is `openapi.json` beside this file, a resource of the target (like the widget's
/// files): edit it when the API changes. It is read once and kept in memory. `OpenAPITests` check
/// that it parses and that its paths are exactly the router's routes, and the schemathesis test
/// checks the live server against it.
public struct OpenAPIDocument: Sendable {
    /// The document's bytes, as served.
    let body: ByteBuffer
    /// A strong validator: the first 16 bytes of the content's SHA-256, quoted.
    let etag: String

    /// The document shipped with the server, read at first use; nil if the resource is missing.
    static let bundled = OpenAPIDocument(contentsOf: Bundle.module.url(forResource: "openapi", withExtension: "json"))

    /// The document's JSON text (empty if the resource is missing).
    public static var json: String {
        bundled.map { String(buffer: $0.body) } ?? ""
    }

    /// The document in `data`.
    init(data: Data) {
        body = ByteBuffer(bytes: data)
        etag = EntityTag.strong(for: data)
    }

    /// The document in the file at `url`, if there is one.
    init?(contentsOf url: URL?) {
        guard let url, let data = FileManager.default.contents(atPath: url.path) else { return nil }
        self.init(data: data)
    }
}
