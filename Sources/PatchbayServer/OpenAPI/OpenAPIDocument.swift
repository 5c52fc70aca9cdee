import Foundation
import NIOCore

/// An OpenAPI 3.1 document, served at `GET /openapi.json`: the public listener's describes every
/// public endpoint, request, response, header and error; the admin listener's, its own routes.
///
/// Their sources are `openapi.json` and `openapi-admin.json` beside this file, a resource of the target (like the widget's
/// files): edit it when the API changes. It is read once and kept in memory. `OpenAPITests` check
/// that it parses and that its paths are exactly the router's routes, and the schemathesis test
/// checks the live server against it.
public struct OpenAPIDocument: Sendable {
    /// The document's bytes, as served.
    let body: ByteBuffer
    /// A strong validator: the first 16 bytes of the content's SHA-256, quoted.
    let etag: String

    /// The public listener's document, read at first use; nil if the resource is missing.
    static let bundled = OpenAPIDocument(contentsOf: Bundle.module.url(forResource: "openapi", withExtension: "json"))
    /// The admin listener's document (`openapi-admin.json`): `/metrics`, `/admin/*` and itself.
    static let admin = OpenAPIDocument(contentsOf: Bundle.module.url(forResource: "openapi-admin", withExtension: "json"))

    /// The public document's JSON text (empty if the resource is missing).
    public static var json: String {
        bundled.map { String(buffer: $0.body) } ?? ""
    }

    /// The admin document's JSON text (empty if the resource is missing).
    public static var adminJSON: String {
        admin.map { String(buffer: $0.body) } ?? ""
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
