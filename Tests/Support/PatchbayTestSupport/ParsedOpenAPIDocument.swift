import Foundation
import PatchbayServer
import Testing

/// The routes the OpenAPI document and the router may disagree on, on purpose.
package enum OpenAPIRouteExceptions {
    /// Routes that are not API: the demo page and the widget's files.
    package static let undocumented: Set<String> = ["GET /", "HEAD /", "GET /widget/{file}", "HEAD /widget/{file}"]
    /// Operations documented before their route is merged. A test fails once the route exists,
    /// so the entry is removed then and the schemathesis run covers the route.
    package static let pending: Set<String> = []
}

/// The OpenAPI document as parsed JSON, with the questions the tests ask of it.
package struct ParsedOpenAPIDocument {
    package let root: [String: Any]

    /// The public listener's document, or another (``admin``).
    package init(json: String = OpenAPIDocument.json) throws {
        let object = try JSONSerialization.jsonObject(with: Data(json.utf8))
        root = try #require(object as? [String: Any])
    }

    /// The admin listener's document.
    package static func admin() throws -> ParsedOpenAPIDocument {
        try ParsedOpenAPIDocument(json: OpenAPIDocument.adminJSON)
    }

    package static let operationMethods = ["get", "put", "post", "delete", "patch", "head", "trace"]

    package var paths: [String: [String: Any]] {
        (root["paths"] as? [String: [String: Any]]) ?? [:]
    }

    /// Every documented operation but the CORS preflights, as `GET /path/{param}`.
    package var operations: Set<String> {
        Set(paths.flatMap { path, item in
            item.keys.filter(Self.operationMethods.contains).map { "\($0.uppercased()) \(path)" }
        })
    }

    /// The value at a `#/a/b/c` reference (a JSON pointer: `~1` is `/`), if there is one.
    package func resolve(_ reference: String) -> Any? {
        guard reference.hasPrefix("#/") else { return nil }
        var node: Any? = root
        for part in reference.dropFirst(2).split(separator: "/") {
            let key = part.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
            node = (node as? [String: Any])?[key]
        }
        return node
    }

    /// Every `$ref` anywhere in the document.
    package var references: [String] {
        func collect(_ node: Any, into found: inout [String]) {
            if let object = node as? [String: Any] {
                if let reference = object["$ref"] as? String { found.append(reference) }
                for value in object.values { collect(value, into: &found) }
            } else if let array = node as? [Any] {
                for value in array { collect(value, into: &found) }
            }
        }
        var found: [String] = []
        collect(root, into: &found)
        return found
    }

    /// The routes the real public router has, as `GET /path/{param}`.
    package static func routerRoutes() throws -> Set<String> {
        return Set(try TestHost().application.endpoints)
    }

    /// The routes the real admin router has.
    package static func adminRouterRoutes() throws -> Set<String> {
        return Set(try TestHost().application.adminEndpoints)
    }
}
