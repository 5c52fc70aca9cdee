import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import PatchbayConfig
import PatchbayRateLimit
import PatchbayStorage
import Testing

@testable import PatchbayPluginHost
@testable import PatchbayServer

/// The one way tests stand up a Patchbay in this process: the real `buildApplication` over the
/// plugins SwiftPM built and a configuration given as YAML text, driven in memory (`test`) or on
/// a loopback port (`live`).
package struct TestHost: Sendable {
    /// Providers and assistants for the HTTP tests.
    package static let yaml = """
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

    package static let secret = "sk-test-SECRET-0123456789"

    /// The built server.
    package let application: PatchbayApplication
    private let ports: AsyncStream<Int>
    private let adminAddresses: AsyncStream<AdminListenerAddress>

    /// The bound listeners of a live host.
    package struct Listeners: Sendable {
        /// The public port.
        package let port: Int
        /// The admin listener, its port as bound.
        package let admin: AdminListenerAddress
    }

    /// The admin listener tests bind unless they ask for another: a free loopback port.
    package static let anyAdminPort = AdminListenerAddress.tcp(host: "127.0.0.1", port: 0)

    /// The live settings in force.
    package var settings: LiveSettings { application.settings.current }

    /// A host over a routing already built.
    /// - Parameters:
    ///   - clock: the clock of rate limits, circuit breakers and key cool-downs.
    ///   - random: the random source of the weighted choice among targets.
    package init(routes: RouteTable, store: (any ConversationStore)? = nil, rateLimitStore: (any RateLimitStore)? = nil,
         clock: (@Sendable () -> Date)? = nil, random: (@Sendable () -> UInt64)? = nil, reloading: ApplicationOptions.Reloading? = nil,
         adminAddress: AdminListenerAddress = anyAdminPort, logger: Logger = LogRecorder().logger()) {
        let (ports, sink) = AsyncStream<Int>.makeStream()
        let (adminAddresses, adminSink) = AsyncStream<AdminListenerAddress>.makeStream()
        var options = ApplicationOptions(logger: logger)
        options.host = "127.0.0.1"
        options.port = 0
        options.adminAddress = adminAddress
        options.onAdminRunning = { adminSink.yield($0) }
        options.store = store
        if let rateLimitStore { options.rateLimitStore = rateLimitStore }
        if let clock { options.clock = clock }
        if let random { options.random = random }
        options.reloading = reloading
        options.onServerRunning = { sink.yield($0) }
        self.application = buildApplication(routes: routes, options: options)
        self.ports = ports
        self.adminAddresses = adminAddresses
    }

    /// A host over `yaml`, with the plugins in `plugins` (SwiftPM product names) loaded.
    /// - Parameter configure: changes to make to the configuration read from `yaml`.
    package init(
        yaml: String = yaml, environment: [String: String] = [:], plugins: [String] = ["EchoProvider", "MinimalSwiftProvider"],
        configure: (inout PatchbayConfiguration) -> Void = { _ in }, store: (any ConversationStore)? = nil,
        rateLimitStore: (any RateLimitStore)? = nil, clock: (@Sendable () -> Date)? = nil, random: (@Sendable () -> UInt64)? = nil,
        adminAddress: AdminListenerAddress = anyAdminPort, logger: Logger = LogRecorder().logger()
    ) throws {
        let routes = try Self.routes(yaml: yaml, environment: environment, plugins: plugins, configure: configure, logger: logger)
        self.init(routes: routes, store: store, rateLimitStore: rateLimitStore, clock: clock, random: random, adminAddress: adminAddress,
                  logger: logger)
    }

    /// The routing of `yaml` over the built plugins named.
    package static func routes(
        yaml: String = yaml, environment: [String: String] = [:], plugins: [String] = ["EchoProvider", "MinimalSwiftProvider"],
        configure: (inout PatchbayConfiguration) -> Void = { _ in }, logger: Logger = LogRecorder().logger()
    ) throws -> RouteTable {
        let environment = environment.merging(["PATCHBAY_TEST_SECRET": secret]) { mine, _ in mine }
        var configuration = try ConfigurationReader.parse(yaml, source: "providers.yaml", environment: environment)
        configure(&configuration)
        let loader = PluginLoader(logger: logger)
        let loaded = try plugins.map { try loader.load(path: TestPaths.builtPlugin($0)).get() }
        let catalog = PluginCatalog(directory: TestPaths.buildDirectory, plugins: loaded, refusals: [], directoryMissing: false)
        return RouteTable.build(configuration: configuration, catalog: catalog, logger: logger)
    }

    /// Drives the host in memory (no sockets; every caller has the same, unknown, address).
    package func test<T: Sendable>(_ body: @Sendable (any TestClientProtocol) async throws -> T) async throws -> T {
        try await application.http.test(.router, body)
    }

    /// Drives the admin listener's router in memory.
    package func testAdmin<T: Sendable>(_ body: @Sendable (any TestClientProtocol) async throws -> T) async throws -> T {
        try await application.admin.test(.router, body)
    }

    /// Runs the host on a free loopback port for the duration of `body`.
    package func live<T: Sendable>(_ body: @escaping @Sendable (Int) async throws -> T) async throws -> T {
        try await liveListeners { try await body($0.port) }
    }

    /// Runs both listeners, the public one on a free loopback port, for the duration of `body`.
    package func liveListeners<T: Sendable>(_ body: @escaping @Sendable (Listeners) async throws -> T) async throws -> T {
        let application = self.application
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask {
                try await application.http.runService(gracefulShutdownSignals: [])
                return nil
            }
            group.addTask {
                try await application.admin.runService(gracefulShutdownSignals: [])
                return nil
            }
            var ports = ports.makeAsyncIterator()
            var adminAddresses = adminAddresses.makeAsyncIterator()
            let port = try #require(await ports.next())
            let admin = try #require(await adminAddresses.next())
            let result = try await body(Listeners(port: port, admin: admin))
            group.cancelAll()
            return result
        }
    }
}
