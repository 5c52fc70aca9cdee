import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A TCP port on 127.0.0.1 that nothing listens on now, for a server a test starts itself
/// (PostgreSQL, nginx) that cannot be told to pick one and report it.
package func freeTCPPort() throws -> Int {
    let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(socket) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
            bind(socket, pointer, length) == 0 && getsockname(socket, pointer, &length) == 0
        }
    }
    guard bound else { throw FreePortUnavailable(reason: String(cString: strerror(errno))) }
    return Int(UInt16(bigEndian: address.sin_port))
}

/// No free port could be found: the reason is the system's.
package struct FreePortUnavailable: Error, CustomStringConvertible {
    package var reason: String
    package var description: String { "cannot find a free TCP port: \(reason)" }
}
