import CLibPQ

/// A failure talking to PostgreSQL: the server's SQLSTATE and message, and the name of
/// the project statement that failed (every statement the project issues is named).
public struct PostgresError: Error, CustomStringConvertible, Sendable {
    /// A SQLSTATE code. Open set (like postgres-nio's `PostgresError.Code`): any five
    /// characters the server sends are representable; the ones the project acts on
    /// have names.
    public struct Code: Sendable, Hashable, CustomStringConvertible, ExpressibleByStringLiteral {
        public let raw: String
        public init(raw: String) { self.raw = raw }
        public init(stringLiteral value: String) { self.raw = value }
        public var description: String { raw }

        public static let uniqueViolation: Code = "23505"
        public static let checkViolation: Code = "23514"
        public static let notNullViolation: Code = "23502"
        public static let foreignKeyViolation: Code = "23503"
        public static let insufficientPrivilege: Code = "42501"
        public static let undefinedTable: Code = "42P01"
        public static let undefinedFunction: Code = "42883"
        public static let syntaxError: Code = "42601"
        public static let invalidTextRepresentation: Code = "22P02"
        public static let numericValueOutOfRange: Code = "22003"
        public static let queryCanceled: Code = "57014"          // includes statement_timeout
        public static let adminShutdown: Code = "57P01"
        public static let crashShutdown: Code = "57P02"
        public static let cannotConnectNow: Code = "57P03"
        public static let connectionException: Code = "08000"
        public static let connectionFailure: Code = "08006"
        public static let connectionDoesNotExist: Code = "08003"
        public static let clientUnableToConnect: Code = "08001"
        public static let serializationFailure: Code = "40001"
        public static let deadlockDetected: Code = "40P01"
        public static let raiseException: Code = "P0001"
        /// Raised by `atlas.stage_flush` at an injected fault point (tests).
        public static let injectedFault: Code = "AT001"

        /// SQLSTATE class (first two characters).
        public var classCode: String { String(raw.prefix(2)) }
    }

    public enum Kind: Sendable, Equatable {
        /// Could not connect, or the connection broke mid-statement.
        case connection
        /// The server answered with an error.
        case server
        /// libpq or the wrapper refused (bad parameters, unexpected result shape).
        case client
    }

    public var kind: Kind
    public var code: Code
    public var message: String
    public var detail: String?
    public var hint: String?
    /// The project's name for the statement that failed (e.g. "stage_flush").
    public var statementName: String

    public init(kind: Kind, code: Code, message: String, detail: String? = nil, hint: String? = nil,
                statementName: String) {
        self.kind = kind
        self.code = code
        self.message = message
        self.detail = detail
        self.hint = hint
        self.statementName = statementName
    }

    /// True when retrying on a fresh connection may succeed (the connection broke or
    /// the server is restarting).
    public var isConnectionLoss: Bool {
        kind == .connection || code.classCode == "08"
            || code == .adminShutdown || code == .crashShutdown || code == .cannotConnectNow
    }

    /// True when the server cancelled the statement (statement_timeout or a cancel request).
    public var isTimeout: Bool { code == .queryCanceled }

    public var description: String {
        var s = "postgres: \(statementName): \(message) (SQLSTATE \(code.raw))"
        if let detail, !detail.isEmpty { s += "; detail: \(detail)" }
        if let hint, !hint.isEmpty { s += "; hint: \(hint)" }
        return s
    }

    /// Builds an error from a failed result (or, without one, from the connection).
    static func from(result: OpaquePointer?, connection: OpaquePointer?, statementName: String) -> PostgresError {
        func field(_ code: Int32) -> String? {
            guard let result, let p = PQresultErrorField(result, code) else { return nil }
            return String(cString: p)
        }
        let connectionBad = connection.map { PQstatus($0) != CONNECTION_OK } ?? true
        var message = field(Int32(UInt8(ascii: "M")))
        if message == nil, let result, let p = PQresultErrorMessage(result) {
            let s = String(cString: p)
            if !s.isEmpty { message = s }
        }
        if message == nil, let connection, let p = PQerrorMessage(connection) {
            message = String(cString: p)
        }
        let text = (message ?? "unknown error").trimmingTrailingNewlines()
        if let state = field(Int32(UInt8(ascii: "C"))) {
            let code = Code(raw: state)
            let kind: Kind = connectionBad || code.classCode == "08" ? .connection : .server
            return PostgresError(kind: kind, code: code, message: text,
                                 detail: field(Int32(UInt8(ascii: "D"))), hint: field(Int32(UInt8(ascii: "H"))),
                                 statementName: statementName)
        }
        if connectionBad {
            return PostgresError(kind: .connection, code: .connectionFailure, message: text, statementName: statementName)
        }
        return PostgresError(kind: .client, code: Code(raw: "XX000"), message: text, statementName: statementName)
    }
}

extension String {
    func trimmingTrailingNewlines() -> String {
        var s = Substring(self)
        while let last = s.last, last == "\n" || last == " " { s = s.dropLast() }
        return String(s)
    }
}
