import Foundation
import Logging
import PatchbayConfig
import Testing

@testable import PatchbayPluginHost
@testable import PatchbayServer

/// A gateway over the real plugins built by SwiftPM and a configuration given as YAML text.
enum TestGateway {
    /// Providers and assistants for the HTTP tests.
    static let yaml = """
        providers:
          echo: {plugin: echo}
          slow: {plugin: echo, delay_ms: 20}
          scripted: {plugin: minimal-swift}
          nokey: {plugin: echo, api_key: "${PATCHBAY_TEST_UNSET_KEY}"}
          missing: {plugin: openai, api_key: "${PATCHBAY_TEST_SECRET}"}
          secretive: {plugin: echo, api_key: "${PATCHBAY_TEST_SECRET}"}
        assistants:
          default: {name: Default, description: Echoes, provider: echo, model: echo-1, system_prompt: Be brief.}
          slow: {provider: slow, model: echo-1}
          scripted: {provider: scripted, model: minimal-1}
          nokey: {provider: nokey, model: echo-1}
          missing: {provider: missing, model: gpt-4o-mini}
          secretive: {provider: secretive, model: echo-1}
        """

    static let secret = "sk-test-SECRET-0123456789"

    static func make(yaml: String = yaml, environment: [String: String] = [:], logger: Logger = LogRecorder().logger()) throws -> Gateway {
        let environment = environment.merging(["PATCHBAY_TEST_SECRET": secret]) { mine, _ in mine }
        let configuration = try ConfigurationReader.parse(yaml, source: "providers.yaml", environment: environment)
        let loader = PluginLoader(logger: logger)
        let plugins = try ["EchoProvider", "MinimalSwiftProvider"].map { try loader.load(path: TestPaths.builtPlugin($0)).get() }
        let catalog = PluginCatalog(directory: TestPaths.buildDirectory, plugins: plugins, refusals: [], directoryMissing: false)
        return Gateway(routes: RouteTable.build(configuration: configuration, catalog: catalog, logger: logger), logger: logger)
    }
}
