/// A YAML node with the place it starts, built from libyaml's events.
///
/// libyaml's own document loader drops duplicate keys' positions and has no hook for them,
/// so the reader builds this small tree itself and keeps every node's start mark.
struct YAMLNode {
    enum Content {
        case scalar(YAMLScalar)
        case sequence([YAMLNode])
        case mapping([YAMLMappingEntry])
    }

    var content: Content
    /// Where the node starts (for an alias, where the alias is written).
    var location: SourceLocation
    /// The number of nodes in this subtree with aliases expanded; bounds "billion laughs" documents.
    var expandedCount: Int
    /// Set when the builder already reported this node (a bad tag, an undefined alias), so
    /// validation stays quiet about it instead of piling a second error on the same mistake.
    var isReported: Bool = false

    /// The scalar, if this node is one.
    var scalar: YAMLScalar? {
        if case .scalar(let scalar) = self.content { return scalar }
        return nil
    }

    /// The entries, if this node is a mapping.
    var mappingEntries: [YAMLMappingEntry]? {
        if case .mapping(let entries) = self.content { return entries }
        return nil
    }

    /// Whether this node is null: the `null`/`~` scalar or an empty plain one.
    var isNull: Bool {
        if case .null = self.scalar?.value { return true }
        return false
    }

    /// What this node is, for "found ..." in messages: `string "hot"`, `number 3`, `bool true`, `null`, `mapping`, `list`.
    var foundDescription: String {
        switch self.content {
        case .mapping: return "mapping"
        case .sequence: return "list"
        case .scalar(let scalar):
            switch scalar.value {
            case .null: return "null"
            case .bool: return "bool \(scalar.text)"
            case .int, .float: return "number \(scalar.text)"
            case .string(let string): return "string \(string.quotedForMessage)"
            }
        }
    }
}

/// One `key: value` pair of a mapping.
struct YAMLMappingEntry {
    var key: YAMLNode
    var value: YAMLNode
}

/// A scalar's text as written and its value under YAML's core schema.
struct YAMLScalar {
    enum Style {
        case plain
        case quoted
        case block
    }

    /// The scalar's text after YAML unescaping and folding, before any typing.
    var text: String
    var style: Style
    var value: YAMLScalarValue
}

/// A scalar's typed value.
enum YAMLScalarValue {
    case null
    case bool(Bool)
    case int(Int)
    case float(Double)
    case string(String)
}

extension String {
    /// The string in double quotes with quotes, backslashes and control characters escaped,
    /// shortened so one bad value cannot flood a message.
    var quotedForMessage: String {
        let limit = 60
        var body = ""
        for character in self.prefix(limit) {
            switch character {
            case "\"": body += "\\\""
            case "\\": body += "\\\\"
            case "\n": body += "\\n"
            case "\r\n": body += "\\r\\n"
            case "\t": body += "\\t"
            case "\r": body += "\\r"
            default: body.append(character)
            }
        }
        if self.count > limit { body += "…" }
        return "\"\(body)\""
    }
}
