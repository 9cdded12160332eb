import Foundation

/// Loads SQL kept as resource files (`Sources/AtlasStorage/SQL/...`). A file may hold
/// several named statements, each introduced by a `-- name: NAME` line.
public enum SQLResources {
    /// The text of `SQL/<path>`.
    public static func text(_ path: String) throws -> String {
        guard let base = Bundle.module.url(forResource: "SQL", withExtension: nil) else {
            throw SQLResourceError(path: path, reason: "SQL resource folder missing from the bundle")
        }
        let url = base.appendingPathComponent(path)
        do { return try String(contentsOf: url, encoding: .utf8) } catch {
            throw SQLResourceError(path: path, reason: "\(error)")
        }
    }

    /// The named statements of `SQL/<path>`.
    public static func statements(_ path: String) throws -> [String: String] {
        var out: [String: String] = [:]
        var current: String?
        var body: [Substring] = []
        func close() {
            if let c = current { out[c] = body.joined(separator: "\n").trimmingCharacters(in: .whitespacesAndNewlines) }
        }
        for line in try text(path).split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("-- name:") {
                close()
                current = line.dropFirst("-- name:".count).trimmingCharacters(in: .whitespaces)
                body = []
            } else if current != nil {
                body.append(line)
            }
        }
        close()
        return out
    }
}

public struct SQLResourceError: Error, CustomStringConvertible {
    public var path: String
    public var reason: String
    public var description: String { "SQL resource \(path): \(reason)" }
}
