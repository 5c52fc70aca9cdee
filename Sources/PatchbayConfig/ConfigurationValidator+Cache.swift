extension ConfigurationValidator {
    static let cacheKeys = ["exact", "semantic", "ttl", "max_bytes", "scope", "warm"]
    static let semanticCacheKeys = ["embedder", "model", "threshold"]

    /// An assistant's `cache:`; nil when it is broken (reported) or caches nothing.
    mutating func cache(_ field: Field, in outer: Scope, providerNames: [String]?) -> CacheSettings? {
        guard let entries = field.value.mappingEntries else {
            self.reportInvalid(field, in: outer, expected: "a mapping with keys \(Self.cacheKeys.joined(separator: ", "))")
            return nil
        }
        let scope = Scope(placement: "\(outer.placement) under 'cache'", prefix: "\(outer.prefix)cache.")
        let fields = self.knownFields(of: entries, in: scope, known: Self.cacheKeys)
        var settings = CacheSettings()
        settings.exact = self.boolean(fields["exact"]?.unlessNull, in: scope) ?? true
        settings.semantic = fields["semantic"]?.unlessNull.flatMap { self.semanticCache($0, in: scope, providerNames: providerNames) }
        settings.ttlSeconds = self.integer(fields["ttl"]?.unlessNull, in: scope, range: 1...31_536_000,
                                           expected: "a number of seconds from 1 to 31536000") ?? CacheSettings.defaultTTLSeconds
        settings.maxBytes = self.byteSize(fields["max_bytes"]?.unlessNull, in: scope, range: 1024...(1 << 40)) ?? CacheSettings.defaultMaxBytes
        if let field = fields["scope"]?.unlessNull, let text = self.string(field, in: scope) {
            if let value = CacheSettings.Scope(rawValue: text) {
                settings.scope = value
            } else {
                self.reportInvalid(field, in: scope, expected: "key or global")
            }
        }
        settings.warm = fields["warm"]?.unlessNull.map { self.warmPatterns($0, in: scope) } ?? []
        guard settings.exact || settings.semantic != nil else {
            if fields["semantic"] == nil {
                self.report(.invalidValue, at: field.value.location,
                            "\(scope.prefix)exact is false and there is no semantic: the cache would never answer; remove 'cache:' or set one")
            }
            return nil
        }
        return settings
    }

    /// `semantic: {embedder, model, threshold}`.
    private mutating func semanticCache(_ field: Field, in outer: Scope, providerNames: [String]?) -> CacheSettings.Semantic? {
        guard let entries = field.value.mappingEntries else {
            self.reportInvalid(field, in: outer, expected: "a mapping with keys \(Self.semanticCacheKeys.joined(separator: ", "))")
            return nil
        }
        let scope = Scope(placement: "\(outer.placement) under 'semantic'", prefix: "\(outer.prefix)semantic.")
        let fields = self.knownFields(of: entries, in: scope, known: Self.semanticCacheKeys)
        for required in ["embedder", "model"] where fields[required] == nil {
            self.report(.missingKey, at: field.value.location, "\(outer.prefix)semantic is missing required key '\(required)'")
        }
        let embedder = self.string(fields["embedder"], in: scope)
        if let embedder, let providerNames, !providerNames.contains(embedder), let at = fields["embedder"]?.value.location {
            let known = providerNames.isEmpty ? "(none)" : providerNames.joined(separator: ", ")
            self.report(.unknownProvider, at: at, "\(scope.prefix)embedder '\(embedder)' is not a provider; known providers: \(known)")
        }
        let model = self.string(fields["model"], in: scope)
        let threshold = self.number(fields["threshold"]?.unlessNull, in: scope, range: 0...1) ?? CacheSettings.Semantic.defaultThreshold
        guard let embedder, let model, let location = fields["embedder"]?.value.location else { return nil }
        return CacheSettings.Semantic(embedder: embedder, model: model, threshold: threshold, location: location)
    }

    /// `warm: {name: [prompt, ...], ...}`.
    private mutating func warmPatterns(_ field: Field, in outer: Scope) -> [CacheSettings.WarmPattern] {
        guard let entries = field.value.mappingEntries else {
            self.reportInvalid(field, in: outer, expected: "a mapping from pattern names to lists of prompts")
            return []
        }
        let scope = Scope(placement: "\(outer.placement) under 'warm'", prefix: "\(outer.prefix)warm.")
        return self.uniqueFields(of: entries, in: scope).compactMap { pattern in
            guard let items = self.items(pattern, in: scope, expected: "a list of prompts") else { return nil }
            let prompts = items.compactMap { self.string($0, in: scope) }
            return prompts.isEmpty ? nil : CacheSettings.WarmPattern(name: pattern.name, prompts: prompts)
        }
    }

    /// A size in bytes: an integer, or a number with a unit (`64MiB`, `512 KiB`, `1GB`, `1000B`).
    mutating func byteSize(_ field: Field?, in scope: Scope, range: ClosedRange<Int>) -> Int? {
        guard let field else { return nil }
        let expected = "a size in bytes from \(range.lowerBound) to \(range.upperBound), such as 67108864 or 64MiB"
        let bytes: Int? =
            switch field.value.scalar?.value {
            case .int(let int): int
            case .string(let text): Self.parseByteSize(text)
            default: nil
            }
        guard let bytes, range.contains(bytes) else {
            self.reportInvalid(field, in: scope, expected: expected)
            return nil
        }
        return bytes
    }

    /// `64MiB` → 67108864; nil for text that is not a size.
    static func parseByteSize(_ text: String) -> Int? {
        let units: [(String, Int)] = [
            ("KiB", 1 << 10), ("MiB", 1 << 20), ("GiB", 1 << 30), ("KB", 1_000), ("MB", 1_000_000), ("GB", 1_000_000_000), ("B", 1),
        ]
        let trimmed = text.trimmingSpaces
        for (unit, factor) in units where trimmed.hasSuffix(unit) {
            let number = String(trimmed.dropLast(unit.count)).trimmingSpaces
            guard let value = Double(number), value >= 0, value.isFinite, value * Double(factor) < 9e18 else { return nil }
            return Int((value * Double(factor)).rounded())
        }
        return Int(trimmed)
    }
}

extension String {
    /// The text without leading and trailing spaces and tabs.
    fileprivate var trimmingSpaces: String {
        let blank: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        return String(self.drop(while: blank).reversed().drop(while: blank).reversed())
    }
}
