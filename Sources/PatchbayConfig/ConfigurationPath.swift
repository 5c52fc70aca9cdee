/// Paths written in providers.yaml (the plugins folder, the database, the admin socket) are read
/// relative to the file, so that the server finds them whatever directory it was started from.
public enum ConfigurationPath {
    /// `path` as written, made relative to the folder of `configPath` unless it is absolute,
    /// with `.` and `..` steps resolved.
    public static func resolve(_ path: String, relativeTo configPath: String) -> String {
        guard !path.hasPrefix("/") else { return path }
        let base = configPath.lastIndex(of: "/").map { String(configPath[...$0]) } ?? ""
        let joined = base + path
        let isAbsolute = joined.hasPrefix("/")
        var parts: [Substring] = []
        for part in joined.split(separator: "/") {
            switch part {
            case ".":
                continue
            case "..":
                if let last = parts.last, last != ".." {
                    parts.removeLast()
                } else if !isAbsolute {
                    parts.append(part)
                }
            default:
                parts.append(part)
            }
        }
        return (isAbsolute ? "/" : "") + parts.joined(separator: "/")
    }
}
