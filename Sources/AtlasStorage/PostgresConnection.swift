import CLibPQ
import Foundation

/// One libpq connection: parameterized statements (named, prepared once per session),
/// COPY FROM STDIN, transactions, and re-connection. Not thread-safe: confine it to one
/// thread or task (libpq allows moving a connection between threads, not sharing it).
public final class PostgresConnection {
    /// Connection settings applied on every (re)connect.
    public struct Options: Sendable, Equatable {
        /// `statement_timeout` for every statement; nil keeps the server's default.
        public var statementTimeoutMs: Int?
        public var applicationName: String
        public var connectTimeoutSeconds: Int
        public init(statementTimeoutMs: Int? = 30_000, applicationName: String = "atlas",
                    connectTimeoutSeconds: Int = 5) {
            self.statementTimeoutMs = statementTimeoutMs
            self.applicationName = applicationName
            self.connectTimeoutSeconds = connectTimeoutSeconds
        }
    }

    /// A statement the project issues: a stable name (used in errors and as the
    /// prepared-statement name) and its SQL with `$n` parameters.
    public struct Statement: Sendable, Hashable {
        public let name: String
        public let sql: String
        public init(_ name: String, _ sql: String) {
            self.name = name
            self.sql = sql
        }
    }

    public let url: String
    public let options: Options
    private var conn: OpaquePointer?
    private var prepared: Set<String> = []
    /// `pg_postmaster_start_time()` at the first connect and now: a change means the
    /// server restarted (after which UNLOGGED tables are empty).
    public private(set) var firstServerStartTime: String?
    public private(set) var serverStartTime: String?
    /// Successful re-connections after the first connect.
    public private(set) var reconnectCount = 0

    /// Connects (throws `PostgresError` of kind `.connection` if it cannot).
    public init(url: String, options: Options = Options()) throws {
        self.url = url
        self.options = options
        try connect()
        firstServerStartTime = serverStartTime
    }

    deinit { close() }

    /// True while libpq reports the connection healthy.
    public var isConnected: Bool { conn.map { PQstatus($0) == CONNECTION_OK } ?? false }

    /// True when the server restarted since this object first connected.
    public var serverRestarted: Bool { serverStartTime != firstServerStartTime }

    /// Closes the connection (a later call re-connects with `reconnect()`).
    public func close() {
        if let conn { PQfinish(conn) }
        conn = nil
        prepared.removeAll()
    }

    /// Drops the current connection and opens a new one.
    public func reconnect() throws {
        try connect()
        reconnectCount += 1
    }

    /// Re-connects, retrying with backoff for up to `timeoutMs` (the server may be
    /// restarting). Throws the last connection error when time runs out.
    public func reconnect(timeoutMs: Int) throws {
        let deadline = DispatchTime.now().uptimeNanoseconds + UInt64(max(0, timeoutMs)) * 1_000_000
        var delayMs = 50
        while true {
            do {
                try reconnect()
                return
            } catch let e as PostgresError {
                if DispatchTime.now().uptimeNanoseconds >= deadline { throw e }
                Thread.sleep(forTimeInterval: Double(delayMs) / 1000)
                delayMs = min(delayMs * 2, 1000)
            }
        }
    }

    private func connect() throws {
        close()
        let keys = ["dbname", "application_name", "connect_timeout", "client_encoding"]
        let values = [url, options.applicationName, String(options.connectTimeoutSeconds), "UTF8"]
        let c = withCStrings(keys) { k in
            withCStrings(values) { v in PQconnectdbParams(k, v, 1) }
        }
        guard let c else {
            throw PostgresError(kind: .connection, code: .clientUnableToConnect,
                                message: "libpq could not allocate a connection", statementName: "connect")
        }
        guard PQstatus(c) == CONNECTION_OK else {
            let msg = String(cString: PQerrorMessage(c)).trimmingTrailingNewlines()
            PQfinish(c)
            throw PostgresError(kind: .connection, code: .clientUnableToConnect, message: msg, statementName: "connect")
        }
        conn = c
        let timeout = options.statementTimeoutMs.map(String.init) ?? "0"
        let r = try execute(Statement("session_setup", """
            SELECT set_config('statement_timeout', $1, false), set_config('TimeZone', 'UTC', false),
                   set_config('client_min_messages', 'warning', false),
                   pg_postmaster_start_time()::text
            """), [timeout])
        serverStartTime = r.string(0, 3)
    }

    // MARK: statements

    /// Runs a parameterized statement (text parameters, text results) without
    /// preparing it: planned with the actual parameter values (a custom plan).
    @discardableResult
    public func execute(_ statement: Statement, _ params: [String?] = []) throws -> PostgresResult {
        let c = try requireConnection(statement.name)
        let r = withCParams(params) { p in
            PQexecParams(c, statement.sql, Int32(params.count), nil, p, nil, nil, 0)
        }
        return try check(r, statement.name)
    }

    /// Runs a statement prepared once per session under its name (hot paths).
    @discardableResult
    public func run(_ statement: Statement, _ params: [String?] = []) throws -> PostgresResult {
        try prepare(statement, parameterCount: params.count)
        let c = try requireConnection(statement.name)
        let r = withCParams(params) { p in
            PQexecPrepared(c, statement.name, Int32(params.count), p, nil, nil, 0)
        }
        return try check(r, statement.name)
    }

    /// Prepares `statement` under its name unless this session already has.
    public func prepare(_ statement: Statement, parameterCount: Int) throws {
        guard !prepared.contains(statement.name) else { return }
        let c = try requireConnection(statement.name)
        _ = try check(PQprepare(c, statement.name, statement.sql, Int32(parameterCount), nil), statement.name)
        prepared.insert(statement.name)
    }

    /// `s` as an SQL string literal (NULL for nil), as PQescapeLiteral writes it: quotes
    /// doubled, and the E'' form when it has backslashes, so it reads the same whatever
    /// `standard_conforming_strings` is. For the few places a value cannot be a parameter.
    public static func literal(_ s: String?) -> String {
        guard let s else { return "NULL" }
        let quoted = s.replacingOccurrences(of: "'", with: "''")
        guard s.contains("\\") else { return "'" + quoted + "'" }
        return " E'" + quoted.replacingOccurrences(of: "\\", with: "\\\\") + "'"
    }

    /// `s` as a quoted SQL identifier (double quotes doubled).
    public static func identifier(_ s: String) -> String {
        "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// Runs a static multi-statement script (DDL resource files; no parameters).
    public func executeScript(name: String, sql: String) throws {
        let c = try requireConnection(name)
        _ = try check(PQexec(c, sql), name)
    }

    /// Runs `body` in a transaction: COMMIT on return, ROLLBACK on throw.
    public func transaction<T>(_ name: String, _ body: () throws -> T) throws -> T {
        try execute(Statement("\(name).begin", "BEGIN"))
        do {
            let v = try body()
            try execute(Statement("\(name).commit", "COMMIT"))
            return v
        } catch {
            if isConnected { _ = try? execute(Statement("\(name).rollback", "ROLLBACK")) }
            throw error
        }
    }

    /// Runs `steps` (each prepared once per session under its name) in one transaction
    /// and one round trip: BEGIN, the steps and COMMIT are sent together in libpq
    /// pipeline mode. Each round trip is a wake-up of the server process, and on a busy
    /// machine each wake-up can wait for a core. Returns the steps' results in order; on
    /// an error the transaction is rolled back and the first error thrown.
    public func pipelinedTransaction(_ name: String, _ steps: [(Statement, [String?])]) throws -> [PostgresResult] {
        for (s, p) in steps { try prepare(s, parameterCount: p.count) }
        let c = try requireConnection(name)
        guard PQenterPipelineMode(c) == 1 else {
            throw PostgresError.from(result: nil, connection: c, statementName: name)
        }
        var sent = PQsendQueryParams(c, "BEGIN", 0, nil, nil, nil, nil, 0) == 1
        for (s, p) in steps where sent {
            sent = withCParams(p) { PQsendQueryPrepared(c, s.name, Int32(p.count), $0, nil, nil, 0) } == 1
        }
        sent = sent && PQsendQueryParams(c, "COMMIT", 0, nil, nil, nil, nil, 0) == 1
        sent = sent && PQpipelineSync(c) == 1
        let names = ["\(name).begin"] + steps.map(\.0.name) + ["\(name).commit"]
        var results: [PostgresResult] = []
        var failure: PostgresError?
        if sent {
            // One result (then NULL) per query sent, then the sync marker.
            for (i, stepName) in names.enumerated() {
                var kept: OpaquePointer?
                while let r = PQgetResult(c) {
                    let st = PQresultStatus(r)
                    if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK) && kept == nil {
                        kept = r
                        continue
                    }
                    if st != PGRES_PIPELINE_ABORTED && st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK && failure == nil {
                        failure = PostgresError.from(result: r, connection: c, statementName: stepName)
                    }
                    PQclear(r)
                }
                if let kept {
                    if i > 0 && i <= steps.count { results.append(PostgresResult(kept)) } else { PQclear(kept) }
                }
                if PQstatus(c) != CONNECTION_OK { break }
            }
            if PQstatus(c) == CONNECTION_OK, let r = PQgetResult(c) { PQclear(r) } // PGRES_PIPELINE_SYNC
        }
        if !sent || PQstatus(c) != CONNECTION_OK {
            failure = failure ?? PostgresError.from(result: nil, connection: c, statementName: name)
        }
        _ = PQexitPipelineMode(c)
        if let failure {
            if isConnected && PQtransactionStatus(c) != PQTRANS_IDLE {
                _ = try? execute(Statement("\(name).rollback", "ROLLBACK"))
            }
            throw failure
        }
        guard results.count == steps.count else {
            throw PostgresError(kind: .client, code: "XX000", message: "pipeline returned \(results.count) of \(steps.count) results",
                                statementName: name)
        }
        return results
    }

    // MARK: COPY

    /// `COPY ... FROM STDIN`: sends the chunks `produce` yields through `send`, then ends
    /// the copy. Returns the rows the server reports copied. If `produce` throws, the
    /// copy is aborted (nothing is inserted) and the error rethrown.
    @discardableResult
    public func copyIn(_ statement: Statement, produce: (_ send: ([UInt8]) throws -> Void) throws -> Void) throws -> Int {
        let c = try requireConnection(statement.name)
        let start = PQexec(c, statement.sql)
        guard let start, PQresultStatus(start) == PGRES_COPY_IN else {
            _ = try check(start, statement.name)
            throw PostgresError(kind: .client, code: "XX000", message: "server did not enter COPY IN",
                                statementName: statement.name)
        }
        PQclear(start)
        var failure: (any Error)?
        do {
            try produce { bytes in
                let rc = bytes.withUnsafeBufferPointer { b in
                    b.baseAddress!.withMemoryRebound(to: CChar.self, capacity: b.count) {
                        PQputCopyData(c, $0, Int32(b.count))
                    }
                }
                if rc != 1 {
                    throw PostgresError.from(result: nil, connection: c, statementName: statement.name)
                }
            }
        } catch {
            failure = error
        }
        let endRC = PQputCopyEnd(c, failure == nil ? nil : "aborted by client")
        var final: PostgresError?
        var copied = 0
        while let r = PQgetResult(c) {
            let st = PQresultStatus(r)
            if st == PGRES_COMMAND_OK {
                copied = Int(String(cString: PQcmdTuples(r))) ?? 0
            } else if final == nil {
                final = PostgresError.from(result: r, connection: c, statementName: statement.name)
            }
            PQclear(r)
            if PQstatus(c) != CONNECTION_OK { break }
        }
        if let failure { throw failure }
        if let final { throw final }
        if endRC != 1 || PQstatus(c) != CONNECTION_OK {
            throw PostgresError.from(result: nil, connection: c, statementName: statement.name)
        }
        return copied
    }

    // MARK: helpers

    private func requireConnection(_ name: String) throws -> OpaquePointer {
        guard let c = conn, PQstatus(c) == CONNECTION_OK else {
            throw PostgresError(kind: .connection, code: .connectionDoesNotExist,
                                message: "no connection to the server", statementName: name)
        }
        return c
    }

    private func check(_ r: OpaquePointer?, _ name: String) throws -> PostgresResult {
        if let r {
            let st = PQresultStatus(r)
            if st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK {
                return PostgresResult(r)
            }
        }
        let e = PostgresError.from(result: r, connection: conn, statementName: name)
        if let r { PQclear(r) }
        throw e
    }
}

/// A statement's result (text format). Frees the libpq result when released.
public final class PostgresResult {
    private let r: OpaquePointer
    init(_ r: OpaquePointer) { self.r = r }
    deinit { PQclear(r) }

    public var rowCount: Int { Int(PQntuples(r)) }
    public var columnCount: Int { Int(PQnfields(r)) }
    /// Rows affected by INSERT/UPDATE/DELETE/COPY.
    public var affectedRows: Int { Int(String(cString: PQcmdTuples(r))) ?? 0 }

    public func isNull(_ row: Int, _ col: Int) -> Bool { PQgetisnull(r, Int32(row), Int32(col)) == 1 }

    public func string(_ row: Int, _ col: Int) -> String? {
        if isNull(row, col) { return nil }
        return String(cString: PQgetvalue(r, Int32(row), Int32(col)))
    }

    public func int64(_ row: Int, _ col: Int) -> Int64? {
        if isNull(row, col) { return nil }
        return strtoll(PQgetvalue(r, Int32(row), Int32(col)), nil, 10)
    }

    public func double(_ row: Int, _ col: Int) -> Double? {
        if isNull(row, col) { return nil }
        return strtod(PQgetvalue(r, Int32(row), Int32(col)), nil)
    }

    public func bool(_ row: Int, _ col: Int) -> Bool? {
        if isNull(row, col) { return nil }
        return PQgetvalue(r, Int32(row), Int32(col)).pointee == CChar(UInt8(ascii: "t"))
    }
}

/// Connection-string helpers.
public enum PostgresURL {
    /// The same server as `url` with some keywords replaced (user, password, dbname, ...),
    /// as a libpq keyword/value string. Parsing is libpq's own (URLs and key=value both).
    public static func with(_ url: String, _ overrides: [String: String]) throws -> String {
        var err: UnsafeMutablePointer<CChar>?
        guard let opts = PQconninfoParse(url, &err) else {
            let msg = err.map { String(cString: $0) } ?? "invalid connection string"
            if let err { PQfreemem(err) }
            throw PostgresError(kind: .client, code: "XX000", message: msg.trimmingTrailingNewlines(),
                                statementName: "parse_url")
        }
        defer { PQconninfoFree(opts) }
        var pairs: [(String, String)] = []
        var i = 0
        while let k = opts[i].keyword {
            let key = String(cString: k)
            if let v = overrides[key] {
                pairs.append((key, v))
            } else if let v = opts[i].val {
                pairs.append((key, String(cString: v)))
            }
            i += 1
        }
        for (k, v) in overrides where !pairs.contains(where: { $0.0 == k }) { pairs.append((k, v)) }
        return pairs.map { k, v in
            let escaped = v.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "'", with: "\\'")
            return "\(k)='\(escaped)'"
        }.joined(separator: " ")
    }

    /// The value of one keyword in a connection string, if set.
    public static func value(_ url: String, _ keyword: String) -> String? {
        guard let opts = PQconninfoParse(url, nil) else { return nil }
        defer { PQconninfoFree(opts) }
        var i = 0
        while let k = opts[i].keyword {
            if String(cString: k) == keyword, let v = opts[i].val { return String(cString: v) }
            i += 1
        }
        return nil
    }
}

// MARK: C string plumbing

private func withCStrings<R>(_ strings: [String], _ body: (UnsafePointer<UnsafePointer<CChar>?>) -> R) -> R {
    let ptrs: [UnsafeMutablePointer<CChar>?] = strings.map { strdup($0) }
    defer { ptrs.forEach { free($0) } }
    var cptrs: [UnsafePointer<CChar>?] = ptrs.map { $0.map { UnsafePointer($0) } }
    cptrs.append(nil)
    return cptrs.withUnsafeBufferPointer { body($0.baseAddress!) }
}

private func withCParams<R>(_ params: [String?], _ body: (UnsafePointer<UnsafePointer<CChar>?>?) -> R) -> R {
    if params.isEmpty { return body(nil) }
    let ptrs: [UnsafeMutablePointer<CChar>?] = params.map { $0.map { strdup($0) } ?? nil }
    defer { ptrs.forEach { free($0) } }
    let cptrs: [UnsafePointer<CChar>?] = ptrs.map { $0.map { UnsafePointer($0) } }
    return cptrs.withUnsafeBufferPointer { body($0.baseAddress!) }
}
