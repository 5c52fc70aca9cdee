// swift-tools-version:6.1
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
]

let package = Package(
    name: "Patchbay",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "patchbay", targets: ["patchbay"]),
        // The ABI header as a product, so out-of-tree Swift plugins can depend on it.
        .library(name: "CPatchbayPlugin", targets: ["CPatchbayPlugin"]),
        // Provider plugins: shared libraries the host opens with dlopen.
        .library(name: "EchoProvider", type: .dynamic, targets: ["EchoProvider"]),
        .library(name: "OpenAIProvider", type: .dynamic, targets: ["OpenAIProvider"]),
        .library(name: "AnthropicProvider", type: .dynamic, targets: ["AnthropicProvider"]),
        .library(name: "GeminiProvider", type: .dynamic, targets: ["GeminiProvider"]),
        .library(name: "OpenAIResponsesProvider", type: .dynamic, targets: ["OpenAIResponsesProvider"]),
        // A fake OpenAI/Anthropic/Gemini upstream for tests and benchmarks.
        .executable(name: "fake-upstream", targets: ["fake-upstream"]),
        // Times the semantic cache's nearest-neighbour scan (bench/: `make bench` runs it).
        .executable(name: "index-timing", targets: ["IndexTiming"]),
        // A minimal Swift plugin, used by the ABI conformance tests.
        .library(name: "MinimalSwiftProvider", type: .dynamic, targets: ["MinimalSwiftProvider"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        // Already in the graph through Hummingbird; named because the server's pipeline handler uses NIOHTTPTypes.
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        // Conversations in PostgreSQL (storage.postgres_url): a connection pool on NIO.
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        // SHA-256 for API keys; already in the graph through the test HTTP client.
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
        // Metrics: recorded through swift-metrics, exposed in Prometheus's text format.
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        // gzip for JSON responses (seed 004's Accept-Encoding: gzip), on zlib.
        .package(url: "https://github.com/adam-fowler/compress-nio.git", from: "1.5.0"),
        // The WebSocket door (/ws/chat): the server's upgrade and frames, and a real client for the tests.
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket.git", from: "2.8.1"),
        // WSCore and NIOWebSocket: the upgrade child channel answers refused upgrades itself (see WebSocketUpgradeChannel).
        .package(url: "https://github.com/hummingbird-project/swift-websocket.git", from: "1.6.2"),
        // `patchbay reload` over TCP or the admin listener's Unix socket (http+unix://); already in
        // the graph through HummingbirdTesting.
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        // HTTPS on the public listener (server.tls): already in the graph through HummingbirdTesting.
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
    ],
    targets: [
        // MARK: The plugin ABI: one C header, the only contract between host and plugins.
        .target(name: "CPatchbayPlugin"),

        // MARK: System libraries
        .systemLibrary(name: "CYAML", pkgConfig: "yaml-0.1", providers: [.apt(["libyaml-dev"])]),
        // glibc's <malloc.h>, for the heap trimmer (no library to link: it is libc).
        .systemLibrary(name: "CMalloc"),
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),

        // MARK: Shared by host and plugins
        // The one JSON string escaper (hand-written JSON on the SSE hot path, in logs, in the
        // config reader, in plugin events and in the fake upstream). Pure Swift with no
        // dependency, so the plugin kit can link it too: that shares code, not the ABI, and a
        // plugin still reaches the host only through the header.
        .target(name: "PatchbayJSON", swiftSettings: swiftSettings),

        // MARK: Host
        .target(
            name: "PatchbayConfig",
            dependencies: [
                "CYAML",
                "PatchbayJSON",
                // providers.yaml's `limits:` read straight into RateLimitPolicy.
                "PatchbayRateLimit",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "PatchbayPluginHost",
            dependencies: [
                "CPatchbayPlugin",
                "PatchbayJSON",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "PatchbayStorage",
            dependencies: [
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // A small RESP2 client on SwiftNIO: pipelined connections, AUTH/SELECT, scripts, bounded calls.
        .target(
            name: "PatchbayRedis",
            dependencies: [
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "PatchbayRateLimit",
            dependencies: [
                // RedisRateLimitStore: limits shared by several instances (limits.store).
                "PatchbayRedis",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "PatchbayServer",
            dependencies: [
                "CMalloc",
                "PatchbayConfig",
                "PatchbayJSON",
                "PatchbayPluginHost",
                "PatchbayStorage",
                "PatchbayRateLimit",
                "PatchbayRedis",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "CompressNIO", package: "compress-nio"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "WSCore", package: "swift-websocket"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOHTTPTypesHTTP1", package: "swift-nio-extras"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "HummingbirdHTTP2", package: "hummingbird"),
            ],
            // The chat widget and its demo page, the chat page and the API reference (StaticAssets),
            // and the OpenAPI document (OpenAPIDocument): served from memory.
            resources: [.copy("Widget/Assets"), .copy("Pages/ChatPage"), .copy("Pages/DocsPage"), .copy("OpenAPI/openapi.json"), .copy("OpenAPI/openapi-admin.json")],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "patchbay",
            dependencies: [
                "PatchbayServer",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),

        // MARK: Plugins (reach the host only through CPatchbayPlugin's header)
        // Hidden by default: the .so exports its entry point (PATCHBAY_EXPORT) and nothing else.
        .target(name: "EchoProvider", dependencies: ["CPatchbayPlugin"], path: "Plugins/EchoProvider", publicHeadersPath: ".",
                cSettings: [.unsafeFlags(["-fvisibility=hidden"])]),
        // The kit Swift plugins link: entry-point boilerplate, libcurl transport, SSE, retries.
        // It is plugin code: it reaches the host only through the header (PatchbayJSON is a
        // shared utility, not a way in).
        .target(
            name: "PatchbayPluginKit",
            dependencies: ["CPatchbayPlugin", "CCurl", "PatchbayJSON"],
            path: "Plugins/PatchbayPluginKit",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "OpenAIProvider",
            dependencies: ["PatchbayPluginKit", "CPatchbayPlugin"],
            path: "Plugins/OpenAIProvider",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "AnthropicProvider",
            dependencies: ["PatchbayPluginKit", "CPatchbayPlugin"],
            path: "Plugins/AnthropicProvider",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "GeminiProvider",
            dependencies: ["PatchbayPluginKit", "CPatchbayPlugin"],
            path: "Plugins/GeminiProvider",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "OpenAIResponsesProvider",
            dependencies: ["PatchbayPluginKit", "CPatchbayPlugin"],
            path: "Plugins/OpenAIResponsesProvider",
            swiftSettings: swiftSettings
        ),

        // MARK: The fake upstream (tests and benchmarks)
        .target(
            name: "FakeUpstream",
            dependencies: [
                "PatchbayJSON",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "fake-upstream",
            dependencies: [
                "FakeUpstream",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings
        ),
        // `SemanticIndex.nearest` at 1k–100k entries × 256 and 1536 dimensions (package access:
        // built in release, where @testable is not available).
        .executableTarget(
            name: "IndexTiming",
            dependencies: ["PatchbayServer"],
            path: "bench/IndexTiming",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "MinimalSwiftProvider",
            dependencies: ["CPatchbayPlugin"],
            path: "Tests/Fixtures/MinimalSwiftProvider",
            swiftSettings: swiftSettings
        ),

        // MARK: Tests
        // A seeded random generator for the tests that draw random cases.
        .target(name: "SeededRandom", path: "Tests/Support/SeededRandom", swiftSettings: swiftSettings),
        // What the test targets of several layers share: paths, temporary folders, a log recorder,
        // deadlines, child processes, raw HTTP, the in-process TestHost and the `patchbay serve`
        // child process. One copy, `package` access.
        .target(
            name: "PatchbayTestSupport",
            dependencies: [
                "PatchbayConfig",
                "PatchbayPluginHost",
                "PatchbayRateLimit",
                "PatchbayRedis",
                "PatchbayServer",
                "PatchbayStorage",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            path: "Tests/Support/PatchbayTestSupport",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "PatchbayJSONTests",
            dependencies: ["PatchbayJSON", "SeededRandom"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "PatchbayConfigTests",
            dependencies: ["PatchbayConfig", "PatchbayRateLimit"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "PatchbayStorageTests",
            dependencies: [
                "PatchbayStorage",
                "PatchbayTestSupport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // The rate limit semantics, run against the in-process store and a real redis-server alike.
        .testTarget(
            name: "PatchbayRateLimitTests",
            dependencies: ["PatchbayRateLimit", "PatchbayRedis", "PatchbayTestSupport", "SeededRandom"],
            swiftSettings: swiftSettings
        ),
        // The Redis client against a real redis-server the tests start.
        .testTarget(
            name: "PatchbayRedisTests",
            dependencies: [
                "PatchbayRedis",
                "PatchbayTestSupport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "PluginKitTests",
            dependencies: ["PatchbayPluginKit", "SeededRandom"],
            swiftSettings: swiftSettings
        ),
        // The plugin host alone: the C ABI, loading, the call bridge, the shipped and fixture
        // plugins (the Gemini one against the fake upstream), and the README's C plugin, with no server.
        .testTarget(
            name: "PatchbayPluginHostTests",
            dependencies: [
                "CPatchbayPlugin",
                "FakeUpstream",
                "PatchbayJSON",
                "PatchbayPluginHost",
                "PatchbayTestSupport",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // The fake upstream on its own, byte for byte, over raw sockets.
        .testTarget(
            name: "FakeUpstreamTests",
            dependencies: [
                "FakeUpstream",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // The built `patchbay` executable in child processes, as ops run it: the command line,
        // signals, live reload, graceful shutdown, its log; and `make -n` on the Makefile.
        .testTarget(
            name: "PatchbayProcessTests",
            dependencies: ["PatchbayTestSupport", "FakeUpstream"],
            swiftSettings: swiftSettings
        ),
        // End to end, with outside tools against a real `patchbay serve`: the widget in headless
        // Chromium (Selenium), schemathesis against the OpenAPI document, and the official OpenAI
        // and Anthropic Python SDKs against /v1. `make test` installs the tools (`make pydeps`).
        .testTarget(
            name: "PatchbayEndToEndTests",
            dependencies: ["PatchbayTestSupport", "FakeUpstream"],
            swiftSettings: swiftSettings
        ),
        // The server in this process through TestHost: the real router in memory, and on a
        // loopback port; the real plugins, the OpenAI and Anthropic ones against the fake upstream.
        .testTarget(
            name: "PatchbayServerTests",
            dependencies: [
                "FakeUpstream",
                "PatchbayConfig",
                "PatchbayPluginHost",
                "PatchbayRateLimit",
                "PatchbayRedis",
                "PatchbayServer",
                "PatchbayStorage",
                "PatchbayTestSupport",
                "SeededRandom",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "CompressNIO", package: "compress-nio"),
                // A real HTTPS client for the TLS tests: HTTP/2 and HTTP/1.1, the version it negotiated.
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            swiftSettings: swiftSettings
        ),
    ]
)
