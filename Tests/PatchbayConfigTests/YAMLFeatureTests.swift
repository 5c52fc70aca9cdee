#if canImport(FoundationEssentials)
import FoundationEssentials
#endif
import Foundation
import PatchbayConfig
import Testing

@Suite("YAML features")
struct YAMLFeatureTests {
    @Test("anchors and aliases are resolved")
    func aliases() throws {
        let text = """
            providers:
              echo: {plugin: echo}
            assistants:
              default: &base
                provider: echo
                model: echo-1
                temperature: 0.2
              copy: *base
            """
        let configuration = try ConfigurationReader.parse(text, source: "providers.yaml", environment: [:])
        let copy = try #require(configuration.assistant(id: "copy"))
        #expect(copy.model == "echo-1")
        #expect(copy.temperature == 0.2)
        #expect(copy.name == "copy")
    }

    @Test("'<<' merge keys copy an anchored mapping's keys, which the mapping's own keys override")
    func mergeKeys() throws {
        let text = """
            providers:
              echo: {plugin: echo}
            assistants:
              default: &base
                provider: echo
                model: echo-1
                temperature: 0.2
              precise:
                <<: *base
                temperature: 0
            """
        let precise = try #require(try ConfigurationReader.parse(text, source: "providers.yaml", environment: [:]).assistant(id: "precise"))
        #expect(precise.model == "echo-1")
        #expect(precise.provider == "echo")
        #expect(precise.temperature == 0)
    }

    @Test("merging something that is not a mapping is an error")
    func badMerge() {
        #expect(errorDescriptions("server:\n  <<: 5\n") == [
            "providers.yaml:2:7: merge key '<<' needs a mapping or a list of mappings, found number 5"
        ])
    }

    @Test("an undefined alias is an error at the alias")
    func undefinedAlias() {
        let text = fileWithAssistant("""
                provider: echo
                model: *model
            """)
        #expect(errorDescriptions(text) == [
            "providers.yaml:6:12: undefined alias '*model'; an alias must come after its anchor '&model'"
        ])
    }

    @Test("an alias bomb is stopped")
    func aliasBomb() {
        var text = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n"
        for level in 1...8 {
            let previous = "*a\(level - 1)"
            text += "a\(level): &a\(level) [\(Array(repeating: previous, count: 10).joined(separator: ", "))]\n"
        }
        let found = errors(text)
        #expect(found.map(\.description) == ["providers.yaml:5:5: the document expands to more than 100000 nodes through aliases"])
    }

    @Test("'!!str' and the other core tags are honoured")
    func coreTags() throws {
        let text = """
            providers:
              custom: {plugin: !!str custom, version: !!str 2, count: !!int "7", ratio: !!float 1, flag: !!bool "true", none: !!null ""}
            assistants:
              demo: {provider: custom, model: !!str 4}
            """
        let configuration = try ConfigurationReader.parse(text, source: "providers.yaml", environment: [:])
        #expect(configuration.assistant(id: "demo")?.model == "4")
        #expect(configuration.provider(named: "custom")?.settingsJSON == #"{"provider_name":"custom","version":"2","count":7,"ratio":1.0,"flag":true,"none":null}"#)
    }

    @Test("other tags are refused with the supported list")
    func unsupportedTag() {
        let text = fileWithAssistant("""
                provider: echo
                model: !secret gpt
            """)
        #expect(errorDescriptions(text) == [
            "providers.yaml:6:12: unsupported tag '!secret'; supported tags: !!str, !!int, !!float, !!bool, !!null, !!map, !!seq"
        ])
    }

    @Test("plain scalars are typed by the core schema; quoted ones and ${...} stay strings")
    func scalarTyping() throws {
        let text = """
            providers:
              custom:
                plugin: custom
                values: [true, False, 12, -3, 0x1F, 0o17, 1.5, .5, 1e3, null, ~, yes, "true", '12', 1.2.3, "${N:-5}"]
                block: |
                  two
                  lines
                folded: >
                  one
                  line
            """
        let provider = try #require(try ConfigurationReader.parse(text, source: "providers.yaml", environment: [:]).provider(named: "custom"))
        #expect(provider.settingsJSON == #"{"provider_name":"custom","values":[true,false,12,-3,31,15,1.5,0.5,1000.0,null,null,"yes","true","12","1.2.3","5"],"block":"two\nlines\n","folded":"one line"}"#)
    }
}
