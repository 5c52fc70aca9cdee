import CPatchbayPlugin
import Logging

/// The host's service table for one provider instance, and the state behind it.
///
/// The table's memory is the host's and lives until the instance has been destroyed, as the ABI
/// promises; `ProviderInstance` owns this object and frees it after `instance_destroy`.
final class HostServices: @unchecked Sendable {
    // @unchecked: the table is written once in init and only read afterwards (by the plugin).

    /// The pointer handed to the plugin.
    let table: UnsafeMutablePointer<patchbay_host_services>
    /// Where the plugin's log lines go.
    let logger: Logger

    init(logger: Logger) {
        self.logger = logger
        table = .allocate(capacity: 1)
        table.initialize(to: patchbay_host_services(
            struct_size: UInt32(MemoryLayout<patchbay_host_services>.size),
            abi_major: UInt16(PATCHBAY_ABI_MAJOR),
            abi_minor: UInt16(PATCHBAY_ABI_MINOR),
            host_context: nil,
            log: hostLog
        ))
        // Unretained: this object outlives every use of the table (see the type's comment).
        table.pointee.host_context = Unmanaged.passUnretained(self).toOpaque()
    }

    deinit {
        table.deinitialize(count: 1)
        table.deallocate()
    }
}

/// The `log` service: [any-thread]; copies the message before returning.
private let hostLog: @convention(c) (UnsafeMutableRawPointer?, patchbay_log_level, UnsafePointer<CChar>?, Int) -> Void = {
    context, level, message, length in
    guard let context, let message else { return }
    let services = Unmanaged<HostServices>.fromOpaque(context).takeUnretainedValue()
    let text = String(decoding: UnsafeRawBufferPointer(start: message, count: max(0, length)), as: UTF8.self)
    let swiftLevel: Logger.Level =
        switch level {
        case PATCHBAY_LOG_TRACE: .trace
        case PATCHBAY_LOG_DEBUG: .debug
        case PATCHBAY_LOG_INFO: .info
        case PATCHBAY_LOG_WARNING: .warning
        default: .error
        }
    services.logger.log(level: swiftLevel, "\(text)")
}
