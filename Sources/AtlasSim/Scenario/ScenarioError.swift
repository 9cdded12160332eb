/// A scenario file that cannot run: names the file, line, column and key path.
public struct ScenarioError: Error, Equatable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var column: Int
    /// Dotted key path ("topology.replicas[1].lag.baseMs"); empty for the whole document.
    public var key: String
    public var message: String

    public init(file: String, line: Int, column: Int, key: String, message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.key = key
        self.message = message
    }

    public var description: String {
        "\(file):\(line):\(column): \(key.isEmpty ? "" : "\(key): ")\(message)"
    }
}
