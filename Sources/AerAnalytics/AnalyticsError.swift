/// Why a model could not be fitted or evaluated, with a message that says what to fix.
///
/// A public struct around a private code enum, so that new kinds of failure do not break callers' `switch`es:
/// compare `error.code` with the static members of ``AnalyticsError/Code``.
public struct AnalyticsError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The kind of failure, for programs; ``message`` is for people.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Kind: String, Sendable, Hashable {
            case tooFewCustomers
            case invalidInput
            case didNotConverge
            case invalidParameter
            case singularMatrix
            case unboundedValue
            case unknownState
        }

        private let kind: Kind

        private init(_ kind: Kind) { self.kind = kind }

        /// A fit was given fewer customers (or fewer repeat buyers) than the model needs.
        public static let tooFewCustomers = Code(.tooFewCustomers)
        /// A customer summary, transaction count or matrix row is malformed (negative, NaN, recency after age, …).
        public static let invalidInput = Code(.invalidInput)
        /// The optimiser could not find a maximum of the likelihood (the data do not identify the model).
        public static let didNotConverge = Code(.didNotConverge)
        /// A model parameter, horizon, margin or discount rate is out of its domain.
        public static let invalidParameter = Code(.invalidParameter)
        /// A linear system has no unique solution.
        public static let singularMatrix = Code(.singularMatrix)
        /// A value is infinite: with no discount, some state never reaches an absorbing state.
        public static let unboundedValue = Code(.unboundedValue)
        /// A stage name that the chain does not know.
        public static let unknownState = Code(.unknownState)

        /// The code's name, e.g. `tooFewCustomers`.
        public var description: String { kind.rawValue }
    }

    /// The kind of failure.
    public let code: Code
    /// What went wrong and what to change, for the operator.
    public let message: String

    /// An error of kind `code` explained by `message`.
    /// - Parameters:
    ///   - code: The kind of failure.
    ///   - message: What went wrong and what to change.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// `code: message`.
    public var description: String { "\(code): \(message)" }
}
