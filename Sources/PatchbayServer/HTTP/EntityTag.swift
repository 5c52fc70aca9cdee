import Crypto
import Foundation

/// Strong entity tags for bodies served from memory (the widget's files, the OpenAPI document),
/// and the `If-None-Match` test that turns a repeated request into a 304.
enum EntityTag {
    /// A strong validator for `data`: the first 16 bytes of its SHA-256, in hex, quoted.
    static func strong(for data: Data) -> String {
        "\"" + SHA256.hash(data: data).prefix(16).map { String(format: "%02x", $0) }.joined() + "\""
    }

    /// Whether an `If-None-Match` list (`"a", "b"` or `*`) names `etag`.
    static func matches(_ validators: String, etag: String) -> Bool {
        validators.split(separator: ",").contains { validator in
            let validator = validator.trimmingCharacters(in: .whitespaces)
            return validator == etag || validator == "W/" + etag || validator == "*"
        }
    }
}
