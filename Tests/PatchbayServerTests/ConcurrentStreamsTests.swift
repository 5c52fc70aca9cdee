import FakeUpstream
import Foundation
import PatchbayTestSupport
import Synchronization
import Testing

@testable import PatchbayServer

/// The number of threads in this process, from /proc.
func processThreadCount() throws -> Int {
    let status = try String(contentsOfFile: "/proc/self/status", encoding: .utf8)
    let line = try #require(status.split(separator: "\n").first { $0.hasPrefix("Threads:") })
    return try #require(Int(line.dropFirst("Threads:".count).trimmingCharacters(in: .whitespaces)))
}

/// Resumes waiters once `count` arrivals have been counted.
final class ArrivalBarrier: Sendable {
    private struct State { var arrived = 0; var waiters: [CheckedContinuation<Void, Never>] = [] }
    private let state = Mutex(State())
    private let count: Int

    init(count: Int) { self.count = count }

    func arrive() {
        let ready = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.arrived += 1
            guard state.arrived >= count else { return [] }
            defer { state.waiters = [] }
            return state.waiters
        }
        ready.forEach { $0.resume() }
    }

    /// Waits for every arrival; a cancelled waiter is let go at once, so a test that failed
    /// elsewhere ends instead of hanging here.
    func wait() async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let now = state.withLock { state -> Bool in
                    if state.arrived >= count || Task.isCancelled { return true }
                    state.waiters.append(continuation)
                    return false
                }
                if now { continuation.resume() }
            }
        } onCancel: {
            let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
                defer { state.waiters = [] }
                return state.waiters
            }
            waiters.forEach { $0.resume() }
        }
    }
}

/// One number, written by one task and read by another.
final class ThreadSample: Sendable {
    private let sample = Mutex(0)
    func record(_ value: Int) { sample.withLock { $0 = value } }
    var value: Int { sample.withLock { $0 } }
}

@Suite("Concurrency", .timeLimit(.minutes(2)))
struct ConcurrentStreamsTests {
    /// How this is checked: the plugin's transport runs every transfer on one libcurl event
    /// thread per instance. The test counts this process's threads (host, plugin and fake
    /// upstream all live in it) once every one of the 200 streams has delivered its first delta
    /// — all 200 are open at that moment — and compares with the count before.
    @Test("200 concurrent streams through one plugin instance, without a thread per stream")
    func twoHundredStreams() async throws {
        try await FakeUpstream.withRunning { upstream, port in
            let host = try ProviderHost.make(port: port, logger: LogRecorder().logger(),
                                                   extraAssistants: ProviderHost.assistant("paced", model: "fake:deltas=10,interval=40"))
            try await host.live { serverPort in
                // Warm up: the instance's event thread and the pools exist before the baseline.
                _ = try await RawHTTPClient.exchange(port: serverPort, request: RawHTTPClient.post("/api/chat", json: #"{"message":"warm","assistantType":"default","stream":true}"#)) {
                    try await RawHTTPClient.read(&$0) { $0.contains(#""done":true"#) }
                }
                let baseline = try processThreadCount()
                let streams = 200
                let allOpen = ArrivalBarrier(count: streams)
                let peak = ThreadSample()
                let completed = try await withThrowingTaskGroup(of: Bool.self) { group in
                    for index in 0..<streams {
                        group.addTask {
                            try await RawHTTPClient.exchange(
                                port: serverPort,
                                request: RawHTTPClient.post("/api/chat", json: #"{"message":"s\#(index)","assistantType":"paced","stream":true}"#)
                            ) { inbound in
                                let head: String
                                do {
                                    head = try await RawHTTPClient.read(&inbound) { $0.contains(#""done":false"#) }
                                } catch {
                                    allOpen.arrive()  // a failed stream must not keep the sampler waiting
                                    throw error
                                }
                                allOpen.arrive()
                                // A slow reader may find the whole stream in its first read.
                                let whole = head.contains(#""done":true"#)
                                    ? head : head + (try await RawHTTPClient.read(&inbound) { $0.contains(#""done":true"#) })
                                return whole.contains(#""done":true"#) && !whole.contains(#""error""#)
                            }
                        }
                    }
                    group.addTask {
                        await allOpen.wait()
                        peak.record(try processThreadCount())
                        return true
                    }
                    return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
                }
                #expect(completed == streams + 1, "every stream ended with done and no error")
                let during = peak.value
                print("200 concurrent streams: \(baseline) threads before, \(during) with all \(streams) streams open")
                #expect(during - baseline < 24, "threads: \(baseline) before, \(during) with \(streams) streams open")
                #expect(upstream.requests.count == streams + 1)
            }
        }
    }
}
