import Hummingbird

/// Handles each request in a child task of its connection's task.
///
/// A Swift task keeps the most frame memory it ever used until it ends: the concurrency
/// runtime frees its allocator's slabs only with the task. A connection's task lives as long as
/// its connection, through a streamed reply and between the requests of a kept-alive one,
/// while handling a request (the middleware, the route, the start of a turn) goes through the
/// deepest async frames there are. Run in a child task, those frames are freed as soon as the
/// response is returned; the connection's task keeps only what writing the response takes.
/// ``HeapTrimmer`` hands the memory back once a burst of requests has been answered.
public struct ChildTaskResponder<Base: HTTPResponder>: HTTPResponder where Base.Context: Sendable {
    public typealias Context = Base.Context

    /// The responder that handles the request.
    public let base: Base
    /// Counts the requests in handling.
    let handling: RequestsInHandling

    /// Wraps `base`, counting its requests in `handling`.
    public init(base: Base, handling: RequestsInHandling) {
        self.base = base
        self.handling = handling
    }

    /// Runs `base` in a child task and returns its response.
    public func respond(to request: Request, context: Context) async throws -> Response {
        try await handling.counting {
            try await withThrowingTaskGroup(of: Response.self) { group in
                group.addTask { try await base.respond(to: request, context: context) }
                // The one child either returns the response or throws, and so ends the group.
                return try await group.next()!
            }
        }
    }
}
