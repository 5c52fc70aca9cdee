import Foundation
import NIOCore

/// The chat widget's files (`chat-bot.js`, the demo page and its script and style), read once
/// from the target's resources and kept in memory: a request never touches the file system, so
/// no request path can reach a file that is not one of these.
struct WidgetAssets: Sendable {
    /// One file, ready to send.
    struct File: Sendable {
        let body: ByteBuffer
        let contentType: String
        /// A strong validator: the first 16 bytes of the content's SHA-256, quoted.
        let etag: String
    }

    /// Files by name (`chat-bot.js`).
    let files: [String: File]

    /// The files shipped with the server, read at first use.
    static let bundled = WidgetAssets(directory: resourceDirectory())

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

    /// Content types of the kinds of file the widget ships; anything else is not served.
    static func contentType(of name: String) -> String? {
        switch (name as NSString).pathExtension {
        case "js": "text/javascript; charset=utf-8"
        case "css": "text/css; charset=utf-8"
        case "html": "text/html; charset=utf-8"
        case "svg": "image/svg+xml"
        case "png": "image/png"
        default: nil
        }
    }

    /// The `Assets` folder SwiftPM copies beside the built products (`Patchbay_PatchbayServer.resources`).
    static func resourceDirectory() -> URL? {
        Bundle.module.url(forResource: "Assets", withExtension: nil)
    }
}
