import Hummingbird
import NIOCore
import PatchbayJSON

/// Seed 004's cache endpoints under `/api/v1/cache`: `GET stats` for any caller the door lets
/// in, `POST warm` and `DELETE clear` only for an `admin: true` key when auth is on.
struct CacheController: Sendable {
    let cache: ResponseCache
    let warmer: CacheWarmer

    func addRoutes(to v1: some RouterMethods<PatchbayRequestContext>) {
        let group = v1.group("cache")
        group.get("stats") { _, context in
            let capacity = context.settings.routes.assistants.reduce(0) { $0 + ($1.assistant.cache?.maxBytes ?? 0) }
            return Self.json(await cache.stats(capacity: capacity, logger: context.logger).json)
        }
        group.post("warm") { request, context in
            try Self.requireAdmin(context)
            var request = request
            let body = try await request.collectBody(limit: context.settings.maxBodyBytes)
            let asked = try WarmRequest(body)
            let jobs = asked.jobs(in: context.settings.routes)
            warmer.enqueue(jobs)
            context.logger.info("cache warm queued", metadata: ["cache.prompts": .stringConvertible(jobs.count)])
            let prompts = jobs.map { job in
                #"{"assistant":"# + JSONText.string(job.assistant) + #","pattern":"# + JSONText.string(job.pattern)
                    + #","prompt":"# + JSONText.string(job.prompt) + "}"
            }
            return Self.json(#"{"queued":\#(jobs.count),"prompts":["# + prompts.joined(separator: ",") + "]}", status: .accepted)
        }
        group.delete("clear") { request, context in
            try Self.requireAdmin(context)
            let pattern = request.uri.queryParameters["pattern"].map(String.init)
            let cleared = await cache.clear(matching: pattern, logger: context.logger)
            context.logger.info("cache cleared", metadata: ["cache.cleared": .stringConvertible(cleared)])
            return Self.json(#"{"cleared":\#(cleared)}"#)
        }
    }

    /// With auth on, only a key marked `admin: true` may change the cache.
    private static func requireAdmin(_ context: PatchbayRequestContext) throws {
        guard context.settings.keys.enabled else { return }
        guard context.apiKey?.admin == true else {
            throw APIError(.forbidden, "This API key may not warm or clear the cache (it needs admin: true).")
        }
    }

    private static func json(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "application/json; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}

/// `POST /api/v1/cache/warm`'s body: `{patterns, models, limit}`, each optional.
struct WarmRequest {
    /// The default of `limit`.
    static let defaultLimit = 100

    var patterns: [String]?
    var models: [String]?
    var limit: Int

    init(_ body: ByteBuffer) throws {
        do throws(TurnError) {
            // An empty body asks for everything.
            let object = body.readableBytes == 0 ? JSONRequestBody(object: .object([])) : try JSONRequestBody(body)
            patterns = try Self.names("patterns", in: object)
            models = try Self.names("models", in: object)
            limit = try object.integer("limit", atLeast: 1) ?? Self.defaultLimit
        } catch {
            throw APIError(error)
        }
    }

    /// A list of strings (null or absent: nil).
    private static func names(_ key: String, in object: JSONRequestBody) throws(TurnError) -> [String]? {
        guard object.has(key) else { return nil }
        guard let list = object.object[key]?.array, case let names = list.compactMap(\.string), names.count == list.count else {
            throw TurnError(.invalidRequest, "\(key) must be a list of strings.", field: key)
        }
        return names
    }

    /// The prompts asked for, in file order: every cached assistant's (or those `models` names,
    /// by id or alias), every pattern's (or those `patterns` names), at most `limit`.
    func jobs(in routes: RouteTable) -> [CacheWarmer.Job] {
        var jobs: [CacheWarmer.Job] = []
        for route in routes.assistants {
            let assistant = route.assistant
            guard let cache = assistant.cache else { continue }
            if let models, !models.contains(where: { $0 == assistant.id || assistant.aliases.contains($0) }) { continue }
            for pattern in cache.warm where patterns?.contains(pattern.name) ?? true {
                for prompt in pattern.prompts {
                    guard jobs.count < limit else { return jobs }
                    jobs.append(CacheWarmer.Job(assistant: assistant.id, pattern: pattern.name, prompt: prompt))
                }
            }
        }
        return jobs
    }
}
