import NIOCore

/// Fixes each client connection's socket send buffer (`SO_SNDBUF`) instead of letting Linux grow
/// it up to tcp_wmem's maximum (4 MiB). A client that stops reading a stream would otherwise have
/// up to 4 MiB of its reply queued in the kernel before the stream's own bound
/// (`server.stream_buffer_bytes`) even starts to fill and the provider's call is paused.
///
/// 256 KiB (the kernel doubles it for its bookkeeping) still sends a whole reply at 2.5 MB/s over
/// a 100 ms path; Patchbay's replies are chat text, not downloads.
final class SendBufferLimit: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = NIOAny

    static let bytes: SocketOptionValue = 256 * 1024

    func handlerAdded(context: ChannelHandlerContext) {
        // Accepted connections are active when their pipeline is built; a failure to set it
        // leaves the kernel's default, which is only less frugal.
        _ = context.channel.setOption(.socketOption(.so_sndbuf), value: Self.bytes)
        context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
    }
}
