import CYAML

/// Builds a ``YAMLNode`` tree from libyaml's event stream (`yaml_parser_parse`).
///
/// The event API rather than libyaml's document loader, because the loader silently keeps
/// duplicate keys and loses where things are; here every node keeps its start mark.
/// Aliases are expanded, `<<` merge keys applied and `!!` tags honoured while building.
struct YAMLTreeBuilder {
    /// What came out of the text.
    enum Outcome {
        /// The one document's root node (other, non-fatal problems may be in the error list).
        case document(YAMLNode)
        /// No document at all: an empty file or only comments.
        case empty
        /// A problem that stops reading, already in the error list.
        case failed
    }

    /// How many nodes a document may expand to through aliases; real configurations are
    /// a few hundred, and this stops "billion laughs" files before they eat memory and time.
    static let maximumExpandedNodes = 100_000

    /// Parses UTF-8 (or BOM-marked UTF-16) bytes, appending every problem found to `errors`.
    static func parse(_ bytes: [UInt8], source: String, errors: inout [ConfigurationError]) -> Outcome {
        // libyaml asserts on a null input pointer, which an empty array may have.
        guard !bytes.isEmpty else { return .empty }
        var builder = YAMLTreeBuilder(source: source)
        let finished = builder.run(bytes)
        errors += builder.errors
        guard finished else { return .failed }
        return builder.root.map { .document($0) } ?? .empty
    }

    private struct Frame {
        enum Kind {
            case sequence
            case mapping
        }

        var kind: Kind
        var location: SourceLocation
        var anchor: String?
        var tag: String?
        var children: [YAMLNode] = []
        var expandedCount = 1
    }

    private let source: String
    private var errors: [ConfigurationError] = []
    private var stack: [Frame] = []
    private var anchors: [String: YAMLNode] = [:]
    private var root: YAMLNode?
    private var documentCount = 0

    private init(source: String) {
        self.source = source
    }

    /// Feeds every event to the builder; `false` when reading had to stop.
    private mutating func run(_ bytes: [UInt8]) -> Bool {
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) == 1 else {
            self.errors.append(.init(.syntax, location: nil, message: "\(self.source): libyaml could not allocate a parser"))
            return false
        }
        defer { yaml_parser_delete(&parser) }

        return bytes.withUnsafeBufferPointer { buffer in
            // The parser keeps this pointer: every yaml_parser_parse call stays inside this closure.
            yaml_parser_set_input_string(&parser, buffer.baseAddress, buffer.count)
            while true {
                var event = yaml_event_t()
                guard yaml_parser_parse(&parser, &event) == 1 else {
                    self.errors.append(self.parserError(parser, bytes: buffer))
                    return false
                }
                defer { yaml_event_delete(&event) }
                if event.type == YAML_STREAM_END_EVENT { return true }
                guard self.handle(event) else { return false }
            }
        }
    }

    /// Applies one event to the tree; `false` when reading has to stop.
    private mutating func handle(_ event: yaml_event_t) -> Bool {
        let location = self.location(event.start_mark)
        switch event.type {
        case YAML_DOCUMENT_START_EVENT:
            self.documentCount += 1
            if self.documentCount > 1 {
                let message = "a second YAML document begins here; the configuration must be a single document"
                self.errors.append(.init(.syntax, location: location, message: message))
                return false
            }

        case YAML_SCALAR_EVENT:
            let data = event.data.scalar
            let text = String(decoding: UnsafeBufferPointer(start: data.value, count: data.length), as: UTF8.self)
            let style: YAMLScalar.Style =
                switch data.style {
                case YAML_PLAIN_SCALAR_STYLE: .plain
                case YAML_LITERAL_SCALAR_STYLE, YAML_FOLDED_SCALAR_STYLE: .block
                default: .quoted
                }
            let node = self.scalarNode(text, style: style, tag: Self.string(data.tag), location: location)
            return self.add(node, anchor: Self.string(data.anchor))

        case YAML_ALIAS_EVENT:
            let name = Self.string(event.data.alias.anchor) ?? ""
            guard var node = self.anchors[name] else {
                // libyaml's loader reports this; its event parser leaves it to us.
                let message = "undefined alias '*\(name)'; an alias must come after its anchor '&\(name)'"
                self.errors.append(.init(.syntax, location: location, message: message))
                return self.add(Self.reportedNull(at: location), anchor: nil)
            }
            node.location = location
            return self.add(node, anchor: nil)

        case YAML_SEQUENCE_START_EVENT:
            let data = event.data.sequence_start
            self.stack.append(Frame(kind: .sequence, location: location, anchor: Self.string(data.anchor), tag: Self.string(data.tag)))

        case YAML_MAPPING_START_EVENT:
            let data = event.data.mapping_start
            self.stack.append(Frame(kind: .mapping, location: location, anchor: Self.string(data.anchor), tag: Self.string(data.tag)))

        case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
            guard let frame = self.stack.popLast() else { return true }
            return self.add(self.collectionNode(frame), anchor: frame.anchor)

        default:
            break
        }
        return true
    }

    /// Hangs a finished node on its parent (or makes it the root) and records its anchor.
    private mutating func add(_ node: YAMLNode, anchor: String?) -> Bool {
        if let anchor {
            self.anchors[anchor] = node
        }
        guard !self.stack.isEmpty else {
            self.root = node
            return true
        }
        self.stack[self.stack.count - 1].children.append(node)
        self.stack[self.stack.count - 1].expandedCount += node.expandedCount
        // Aliases copy whole subtrees, so counting as children arrive stops an explosion early.
        if self.stack[self.stack.count - 1].expandedCount > Self.maximumExpandedNodes {
            self.errors.append(
                .init(
                    .syntax,
                    location: self.stack[self.stack.count - 1].location,
                    message: "the document expands to more than \(Self.maximumExpandedNodes) nodes through aliases"
                )
            )
            return false
        }
        return true
    }

    // MARK: Nodes

    private mutating func scalarNode(_ text: String, style: YAMLScalar.Style, tag: String?, location: SourceLocation) -> YAMLNode {
        var node = YAMLNode(content: .scalar(YAMLScalar(text: text, style: style, value: .string(text))), location: location, expandedCount: 1)
        let value: YAMLScalarValue
        switch tag {
        case nil:
            value = style == .plain ? .resolvingPlain(text) : .string(text)
        case "!":
            // The non-specific tag ("! 12") means "not implicitly typed": a string.
            value = .string(text)
        case let tag?:
            guard let known = YAMLTag(resolved: tag) else {
                self.reportUnsupportedTag(tag, at: location)
                node.isReported = true
                return node
            }
            guard let resolved = YAMLScalarValue.resolving(text, tag: known) else {
                // The text is not repeated: it may be a secret written straight into the file.
                self.errors.append(.init(.invalidValue, location: location, message: "value tagged \(known.displayName) is not \(known.expectation)"))
                node.isReported = true
                return node
            }
            value = resolved
        }
        node.content = .scalar(YAMLScalar(text: text, style: style, value: value))
        return node
    }

    private mutating func collectionNode(_ frame: Frame) -> YAMLNode {
        var node: YAMLNode
        switch frame.kind {
        case .sequence:
            node = YAMLNode(content: .sequence(frame.children), location: frame.location, expandedCount: frame.expandedCount)
        case .mapping:
            var entries: [YAMLMappingEntry] = []
            entries.reserveCapacity(frame.children.count / 2)
            var index = 0
            while index + 1 < frame.children.count {
                entries.append(YAMLMappingEntry(key: frame.children[index], value: frame.children[index + 1]))
                index += 2
            }
            node = YAMLNode(content: .mapping(self.applyingMergeKeys(entries)), location: frame.location, expandedCount: frame.expandedCount)
        }
        if let tag = frame.tag, tag != "!" {
            let expected: YAMLTag = frame.kind == .mapping ? .mapping : .sequence
            switch YAMLTag(resolved: tag) {
            case expected?:
                break
            case let other?:
                let message = "tag \(other.displayName) cannot be used on a \(node.foundDescription)"
                self.errors.append(.init(.invalidValue, location: frame.location, message: message))
                node.isReported = true
            case nil:
                self.reportUnsupportedTag(tag, at: frame.location)
                node.isReported = true
            }
        }
        return node
    }

    /// Replaces `<<: *defaults` entries with the entries of the merged mapping(s) that the
    /// mapping does not set itself (YAML 1.1 merge keys, still the common way to share settings).
    private mutating func applyingMergeKeys(_ entries: [YAMLMappingEntry]) -> [YAMLMappingEntry] {
        guard entries.contains(where: \.isMerge) else { return entries }
        let ownKeys = Set(entries.filter { !$0.isMerge }.compactMap { $0.key.scalar?.text })
        var mergedKeys: Set<String> = []
        var result: [YAMLMappingEntry] = []
        for entry in entries {
            guard entry.isMerge else {
                result.append(entry)
                continue
            }
            let sources: [YAMLNode]
            switch entry.value.content {
            case .mapping: sources = [entry.value]
            case .sequence(let items) where items.allSatisfy({ $0.mappingEntries != nil }): sources = items
            default:
                let message = "merge key '<<' needs a mapping or a list of mappings, found \(entry.value.foundDescription)"
                self.errors.append(.init(.invalidValue, location: entry.value.location, message: message))
                continue
            }
            // Earlier sources win, and the mapping's own keys win over all of them.
            for source in sources {
                for merged in source.mappingEntries ?? [] {
                    guard let key = merged.key.scalar?.text, !ownKeys.contains(key), mergedKeys.insert(key).inserted else { continue }
                    result.append(merged)
                }
            }
        }
        return result
    }

    private mutating func reportUnsupportedTag(_ tag: String, at location: SourceLocation) {
        self.errors.append(
            .init(.syntax, location: location, message: "unsupported tag '\(YAMLTag.displayName(tag))'; supported tags: \(YAMLTag.supportedNames)")
        )
    }

    private static func reportedNull(at location: SourceLocation) -> YAMLNode {
        YAMLNode(content: .scalar(YAMLScalar(text: "", style: .plain, value: .null)), location: location, expandedCount: 1, isReported: true)
    }

    // MARK: libyaml helpers

    private func location(_ mark: yaml_mark_t) -> SourceLocation {
        // libyaml counts from 0.
        SourceLocation(file: self.source, line: Int(mark.line) + 1, column: Int(mark.column) + 1)
    }

    private static func string(_ pointer: UnsafeMutablePointer<yaml_char_t>?) -> String? {
        pointer.map { String(cString: UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self)) }
    }

    /// libyaml's own words for a syntax error, at its mark.
    private func parserError(_ parser: yaml_parser_t, bytes: UnsafeBufferPointer<UInt8>) -> ConfigurationError {
        let problem = parser.problem.map { String(cString: $0) } ?? "invalid YAML"
        switch parser.error {
        case YAML_MEMORY_ERROR:
            return .init(.syntax, location: nil, message: "\(self.source): out of memory while parsing")
        case YAML_READER_ERROR:
            // Reader errors (bad UTF-8, control characters) carry a byte offset, not a mark.
            var message = problem
            if parser.problem_value != -1 {
                let hex = String(parser.problem_value, radix: 16, uppercase: true)
                message += " (byte 0x\(hex.count < 2 ? "0" + hex : hex))"
            }
            return .init(.syntax, location: self.location(ofByte: parser.problem_offset, in: bytes), message: message)
        default:
            var message = problem
            if let context = parser.context.map({ String(cString: $0) }) {
                let mark = self.location(parser.context_mark)
                message += " (\(context) at line \(mark.line), column \(mark.column))"
            }
            return .init(.syntax, location: self.location(parser.problem_mark), message: message)
        }
    }

    private func location(ofByte offset: Int, in bytes: UnsafeBufferPointer<UInt8>) -> SourceLocation {
        var line = 1
        var column = 1
        for byte in bytes.prefix(offset) {
            if byte == UInt8(ascii: "\n") {
                line += 1
                column = 1
            } else if byte & 0xC0 != 0x80 {
                // Count characters, not UTF-8 continuation bytes, like libyaml's marks do.
                column += 1
            }
        }
        return SourceLocation(file: self.source, line: line, column: column)
    }
}

extension YAMLMappingEntry {
    /// Whether this is a plain `<<` merge key (a quoted "<<" is an ordinary key).
    fileprivate var isMerge: Bool {
        guard let scalar = self.key.scalar, scalar.text == "<<" else { return false }
        return scalar.style == .plain
    }
}
