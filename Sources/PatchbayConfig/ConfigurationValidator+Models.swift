extension ConfigurationValidator {
    static let modelKeys = ["name", "description", "context_length", "capabilities", "cost_per_token"]

    /// `models:`: a mapping from upstream model names to what clients are told about them.
    mutating func models(_ section: Field) -> [ModelDescription] {
        guard let entries = self.sectionEntries(section, shape: "a mapping from model names to their descriptions") else { return [] }
        return self.uniqueFields(of: entries, in: .section("models")).compactMap { self.model($0) }
    }

    private mutating func model(_ field: Field) -> ModelDescription? {
        let shape = "a mapping with keys \(Self.modelKeys.joined(separator: ", "))"
        guard let entries = field.value.mappingEntries else {
            if !field.value.isNull { self.reportInvalid(field, in: .section("models"), expected: shape) }
            return field.value.isNull ? ModelDescription(id: field.name) : nil
        }
        let scope = Scope(placement: "in model '\(field.name)'", prefix: "model '\(field.name)': ")
        let fields = self.knownFields(of: entries, in: scope, known: Self.modelKeys)
        var model = ModelDescription(id: field.name)
        model.name = self.string(fields["name"]?.unlessNull, in: scope)
        model.description = self.string(fields["description"]?.unlessNull, in: scope, allowEmpty: true)
        model.contextLength = self.integer(fields["context_length"]?.unlessNull, in: scope, range: 1...100_000_000, expected: "a whole number of tokens")
        if let list = fields["capabilities"]?.unlessNull, let items = self.items(list, in: scope, expected: "a list of names") {
            model.capabilities = items.compactMap { self.string($0, in: scope) }
        }
        if let cost = fields["cost_per_token"]?.unlessNull {
            let inner = Scope(placement: "\(scope.placement) under 'cost_per_token'", prefix: "\(scope.prefix)cost_per_token.")
            if let costEntries = cost.value.mappingEntries {
                let prices = self.knownFields(of: costEntries, in: inner, known: ["input", "output"])
                let input = self.number(prices["input"]?.unlessNull, in: inner, range: 0...1_000_000)
                let output = self.number(prices["output"]?.unlessNull, in: inner, range: 0...1_000_000)
                if input != nil || output != nil { model.costPerToken = (input ?? 0, output ?? 0) }
            } else {
                self.reportInvalid(cost, in: scope, expected: "a mapping {input, output}")
            }
        }
        return model
    }
}
