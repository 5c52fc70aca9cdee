import Foundation
import PatchbayTestSupport
import Synchronization
import Testing

/// Ops change routing and plugins while the widget is in use: a real `patchbay serve`, its
/// file watcher, SIGHUP and `POST /admin/reload`, under a steady stream of requests.
@Suite("Live reload of providers.yaml and plugins", .timeLimit(.minutes(3)))
struct LiveReloadTests {
    /// A configuration whose one assistant answers with `model`.
    static func config(model: String, extra: String = "") -> String {
        """
        plugins: {directory: ./plugins}
        storage: {sqlite_path: ./chats.sqlite}
        providers:
          echo: {plugin: echo}
          slow: {plugin: echo, delay_ms: 40}
        assistants:
          default: {provider: echo, model: \(model)}
          slow: {provider: slow, model: echo-1}
        \(extra)
        """
    }

    static let turn = #"{"message":"hello there","stream":false}"#

    /// Sends non-streaming turns one after another until stopped, recording each status and model.
    final class TrafficLoop: Sendable {
        struct Sample: Sendable { var at: ContinuousClock.Instant; var status: Int; var model: String? }
        let samples = Mutex<[Sample]>([])
        let stop = Atomic(false)

        /// Runs until `stop` is set or the task is cancelled (a test that fails midway must end).
        func run(port: Int) async {
            while !stop.load(ordering: .relaxed) && !Task.isCancelled {
                let sample: Sample
                do {
                    let reply = try await LiveHTTP.send(port: port, "POST", "/api/chat", json: LiveReloadTests.turn)
                    sample = Sample(at: .now, status: reply.status, model: (try? reply.json())?["model"] as? String)
                } catch {
                    sample = Sample(at: .now, status: -1, model: nil)  // a connection that failed counts as a failure
                }
                samples.withLock { $0.append(sample) }
            }
        }

        var all: [Sample] { samples.withLock { $0 } }
    }

    @Test("an edit under steady traffic: no request fails, and the new routing serves within a second of the write")
    func editUnderLoad() async throws {
        let deployment = try EchoDeployment(config: Self.config(model: "before-1"))
        let config = deployment.config
        let server = try await ServerProcess(config: config)
        defer { server.kill(SIGTERM) }
        let port = server.port

        let traffic = (0..<2).map { _ in TrafficLoop() }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for loop in traffic { group.addTask { await loop.run(port: port) } }
            // Traffic flows before the edit.
            try await LiveHTTP.eventually { traffic.allSatisfy { $0.all.count >= 20 } }
            let written = ContinuousClock.now
            try deployment.rewrite(Self.config(model: "after-2"))
            // Bounded generously; the one-second promise is checked on the samples below.
            try await LiveHTTP.eventually(15) { traffic.allSatisfy { $0.all.contains { $0.model == "after-2" } } }
            // And keeps flowing after it.
            let counts = traffic.map(\.all.count)
            try await LiveHTTP.eventually { zip(traffic, counts).allSatisfy { $0.all.count >= $1 + 20 } }
            for loop in traffic { loop.stop.store(true, ordering: .relaxed) }
            try await group.waitForAll()

            for loop in traffic {
                let samples = loop.all
                #expect(samples.allSatisfy { $0.status == 200 }, "failed: \(samples.filter { $0.status != 200 }.map(\.status))")
                let firstNew = try #require(samples.firstIndex { $0.model == "after-2" })
                #expect(written.duration(to: samples[firstNew].at) < .seconds(1), "new routing after \(written.duration(to: samples[firstNew].at))")
                // One loop's requests are sequential: once it has seen the new routing, it never sees the old.
                #expect(samples[firstNew...].allSatisfy { $0.model == "after-2" })
                #expect(samples[..<firstNew].allSatisfy { $0.model == "before-1" })
            }
        }
        let health = try await LiveHTTP.health(port: port)
        let reload = try #require(health["lastReload"] as? [String: Any])
        #expect(reload["result"] as? String == "applied")
        #expect(reload["trigger"] as? String == "file")
    }

    @Test("a broken edit is rejected with its line:column, service goes on, and /health says so; SIGHUP and `patchbay reload` apply a fix")
    func brokenEdit() async throws {
        let deployment = try EchoDeployment(config: Self.config(model: "good-1"))
        let config = deployment.config
        let server = try await ServerProcess(config: config)
        defer { server.kill(SIGTERM) }
        let port = server.port

        // A misspelt key in the assistant's mapping, on line 7.
        let broken = Self.config(model: "bad-2").replacingOccurrences(of: "model: bad-2}", with: "model: bad-2, temprature: 0.5}")
        let line = broken.split(separator: "\n", omittingEmptySubsequences: false)[6]
        let column = try #require(line.range(of: "temprature")).lowerBound.utf16Offset(in: line) + 1
        try deployment.rewrite(broken)
        try await LiveHTTP.eventually() {
            (try await LiveHTTP.health(port: port)["lastReload"] as? [String: Any])?["result"] as? String == "rejected"
        }
        let health = try await LiveHTTP.health(port: port)
        let reload = try #require(health["lastReload"] as? [String: Any])
        let errors = try #require(reload["errors"] as? [String])
        #expect(errors.count == 1)
        #expect(errors.first?.hasPrefix("\(config):7:\(column):") == true, "\(errors)")
        #expect(errors.first?.contains("temprature") == true)
        #expect(errors.first?.contains("temperature") == true, "a did-you-mean: \(errors)")
        // The old routing still serves.
        let reply = try await LiveHTTP.send(port: port, "POST", "/api/chat", json: Self.turn)
        #expect(reply.status == 200)
        #expect(try reply.json()["model"] as? String == "good-1")

        // Fixed, then applied by SIGHUP without waiting for the watcher: the watcher would say "file".
        try deployment.rewrite(Self.config(model: "fixed-3"))
        server.child.signal(SIGHUP)
        try await LiveHTTP.eventually() {
            let reply = try await LiveHTTP.send(port: port, "POST", "/api/chat", json: Self.turn)
            return try reply.json()["model"] as? String == "fixed-3"
        }

        // `patchbay reload` from this machine, to the admin listener.
        let run = try await PatchbayCommandRun.run(["reload", "--url", server.adminAddress])
        #expect(run.status == 0, "\(run.output)")
        #expect(run.output.contains(#""result":"applied""#))
        #expect(run.output.contains(#""trigger":"admin""#))
        #expect(server.output.contains("reload rejected, the configuration in force stays: \(config):7:\(column):"))
    }

    @Test("a plugin added, replaced and removed under load: new requests follow, a stream in flight ends on the code it started on")
    func pluginLifecycle() async throws {
        let deployment = try EchoDeployment(config: Self.config(model: "echo-1"), withEcho: false)
        let (directory, config, plugins) = (deployment.directory, deployment.config, deployment.plugins)
        let server = try await ServerProcess(config: config)
        defer { server.kill(SIGTERM) }
        let port = server.port

        /// Puts a file into the folder the way a deploy should: whole, by a rename.
        func install(_ source: String) throws {
            let staging = "\(directory.path)/staging.so"
            try? FileManager.default.removeItem(atPath: staging)
            try FileManager.default.copyItem(atPath: source, toPath: staging)
            #expect(rename(staging, "\(plugins)/libEchoProvider.so") == 0)
        }
        @Sendable func echoVersion() async throws -> String? {
            let health = try await LiveHTTP.health(port: port)
            return (health["plugins"] as? [[String: Any]])?.first { $0["name"] as? String == "echo" }?["version"] as? String
        }

        // No plugin yet: the assistant is unavailable.
        #expect(try await LiveHTTP.send(port: port, "POST", "/api/chat", json: Self.turn).status == 503)

        // Added.
        try install(TestPaths.builtPlugin("EchoProvider"))
        try await LiveHTTP.eventually() { try await echoVersion() == "1.0.0" }
        let traffic = TrafficLoop()
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await traffic.run(port: port) }
            try await LiveHTTP.eventually { traffic.all.count >= 10 }

            // A new build, ready to deploy.
            let newBuild = try await Self.compileEcho(version: "2.0.0", into: directory)
            // A slow stream (300 words, 40 ms apart: 12 s, long enough to outlast a reload on a
            // loaded machine) starts on version 1.0.0 ...
            let words = (1...300).map { "w\($0)" }.joined(separator: " ")
            let started = AsyncStream<Void>.makeStream()
            async let stream = RawHTTPClient.exchange(port: port, request: RawHTTPClient.post("/api/chat", json: #"{"message":"\#(words)","assistantType":"slow","stream":true}"#)) { inbound in
                let head = try await RawHTTPClient.read(&inbound) { $0.contains("data: ") }
                started.continuation.yield()
                let text = try await head + RawHTTPClient.read(&inbound) { $0.contains(#""done":true"#) }
                return (text, ContinuousClock.now)
            }
            for await _ in started.stream { break }

            // ... and the new build replaces the file while it runs.
            try install(newBuild)
            try await LiveHTTP.eventually() { try await echoVersion() == "2.0.0" }
            let replacedAt = ContinuousClock.now
            let countAtReplace = traffic.all.count
            try await LiveHTTP.eventually { traffic.all.count >= countAtReplace + 10 }

            // The stream that started on the old code finished whole.
            let (text, endedAt) = try await stream
            #expect(endedAt > replacedAt, "the stream was still in flight when the new build took over")
            #expect(text.contains(#""done":true"#))
            #expect(!text.contains(#""error""#))
            #expect(text.contains("w300"))

            // Removed, still under load: from one moment on, every request is refused cleanly.
            try FileManager.default.removeItem(atPath: "\(plugins)/libEchoProvider.so")
            try await LiveHTTP.eventually() { traffic.all.contains { $0.status == 503 } }
            let countAtRemoval = traffic.all.count
            try await LiveHTTP.eventually { traffic.all.count >= countAtRemoval + 10 }
            traffic.stop.store(true, ordering: .relaxed)
            try await group.waitForAll()
        }
        let statuses = traffic.all.map(\.status)
        let firstRefusal = try #require(statuses.firstIndex(of: 503))
        #expect(statuses[..<firstRefusal].allSatisfy { $0 == 200 }, "before removal: \(statuses[..<firstRefusal].filter { $0 != 200 })")
        #expect(statuses[firstRefusal...].allSatisfy { $0 == 503 }, "after removal: \(statuses[firstRefusal...].filter { $0 != 503 })")
        #expect(try await echoVersion() == nil)
        let refused = try await LiveHTTP.send(port: port, "POST", "/api/chat", json: Self.turn)
        #expect(refused.status == 503)
        #expect(try refused.json()["error"].flatMap { ($0 as? [String: Any])?["code"] as? String } == "PROVIDER_UNAVAILABLE")

        // A broken file dropped in is refused, as at start-up, and disturbs nothing.
        try "not a plugin".write(toFile: "\(plugins)/libBroken.so", atomically: true, encoding: .utf8)
        try install(TestPaths.builtPlugin("EchoProvider"))
        try await LiveHTTP.eventually() { try await echoVersion() != nil }
        #expect(try await LiveHTTP.send(port: port, "POST", "/api/chat", json: Self.turn).status == 200)
        #expect(server.output.contains("libBroken.so"))
    }

    /// Builds the echo plugin from its source with another version string, as a new build would be.
    static func compileEcho(version: String, into directory: TemporaryDirectory) async throws -> String {
        let output = "\(directory.path)/libEcho-\(version).so"
        let source = "\(TestPaths.repositoryRoot)/Plugins/EchoProvider"
        let compile = try await ChildProcess.run(ProcessInfo.processInfo.environment["CC"] ?? "cc", [
            "-shared", "-fPIC", "-std=gnu11", "-O1", "-pthread",
            "-DECHO_PLUGIN_VERSION=\"\(version)\"", "-I", "\(TestPaths.repositoryRoot)/Sources/CPatchbayPlugin/include", "-I", source,
            "\(source)/EchoProvider.c", "\(source)/EchoJSON.c", "\(source)/EchoEmbedding.c", "-o", output,
        ])
        try #require(compile.status == 0, "cc failed: \(compile.output)")
        return output
    }
}
