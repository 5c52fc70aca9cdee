import Logging
import ServiceLifecycle

/// Runs the operator's warm prompts through the providers in the background, two at a time,
/// so that their replies are in the cache before the first user asks.
///
/// A service: its queue is read until the server shuts down; prompts still queued then are dropped.
final class CacheWarmer: Service {
    /// One prompt to run.
    struct Job: Sendable, Equatable {
        let assistant: String
        let pattern: String
        let prompt: String
    }

    /// How many prompts run at once: warming must not crowd out the users' own turns.
    static let concurrency = 2

    private let jobs: AsyncStream<Job>
    private let queue: AsyncStream<Job>.Continuation
    private let turns: ChatTurns
    private let settings: ReloadableSettings
    private let logger: Logger

    init(turns: ChatTurns, settings: ReloadableSettings, logger: Logger) {
        (jobs, queue) = AsyncStream.makeStream()
        self.turns = turns
        self.settings = settings
        self.logger = logger
    }

    /// Queues prompts; they run in order, `concurrency` at a time.
    func enqueue(_ jobs: [Job]) {
        for job in jobs { queue.yield(job) }
    }

    func run() async throws {
        await withTaskGroup(of: Void.self) { running in
            var count = 0
            for await job in jobs.cancelOnGracefulShutdown() {
                if count >= Self.concurrency {
                    await running.next()
                    count -= 1
                }
                running.addTask { await self.warm(job) }
                count += 1
            }
        }
    }

    /// Runs one prompt as a turn of the operator's (kept for every caller); a failure is logged.
    private func warm(_ job: Job) async {
        var logger = self.logger
        let requestID = RequestIDMiddleware.newID()
        logger[metadataKey: "request.id"] = .string(requestID)
        var caller = TurnCaller(key: nil, record: CallerRecord(), requestID: requestID, logger: logger, requestLog: RequestLogRecord())
        caller.warmsCache = true
        let request = TurnRequest(assistant: job.assistant, messages: [.init(role: .user, content: job.prompt)], stream: false)
        do throws(TurnError) {
            let reply = try await turns.start(request, caller: caller, settings: settings.current).collect()
            logger.debug("cache warmed", metadata: ["assistant": .string(job.assistant), "cache.pattern": .string(job.pattern),
                                                    "cache.reply_chars": .stringConvertible(reply.text.count)])
        } catch {
            logger.warning("cache warm failed: \(error.message)", metadata: ["assistant": .string(job.assistant), "cache.pattern": .string(job.pattern)])
        }
    }
}
