public import AerJSON

extension Migration {
    /// The migration as the admin API, `aerd simulate` and reports show it.
    /// - Parameter customer: the customer's display id (userId, else anonymousId).
    public func json(customer: String?) -> JSONValue {
        var object: JSONObject = [:]
        if id != 0 { object["id"] = .number(Double(id)) }
        object["customer"] = customer.map(JSONValue.string) ?? .null
        object["profileId"] = .number(Double(profileId))
        object["set"] = .string(set)
        object["kind"] = .string(kind.rawValue)
        object["from"] = from.map(JSONValue.string) ?? .null
        object["to"] = to.map(JSONValue.string) ?? .null
        object["at"] = .string(at.iso8601)
        object["cause"] = .string(cause.kind)
        if case .event(let seq, let messageId) = cause {
            object["causeEvent"] = ["seq": .number(Double(seq)), "messageId": .string(messageId)]
        }
        return .object(object)
    }
}
