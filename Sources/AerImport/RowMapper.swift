import AerCore
import AerJSON

/// One cell as read: CSV text, or an NDJSON value with its JSON type.
enum Cell {
    case text(String)
    case json(JSONValue)
}

/// One input row, format-neutral: the kind's fields by `Field.rawValue`, plus every other column or key.
struct RowInput {
    /// The physical line the row starts on.
    var line: Int
    /// The cell of each field; nil when the file has no such column or key.
    var cells: [Cell?]
    /// The row's other columns / keys, values already typed (empty ones left out).
    var extras: [(key: String, value: JSONValue)]

    init(line: Int, cells: [Cell?], extras: [(key: String, value: JSONValue)]) {
        self.line = line
        self.cells = cells
        self.extras = extras
    }
}

/// Turns valid rows into the events of their kind, and invalid ones into a reason that says what to fix.
struct RowMapper {
    let kind: ImportKind
    let fields: FieldMap
    /// "column" (CSV) or "key" (NDJSON), for messages.
    let noun: String

    /// Appends the row's events to `events`.
    /// - Returns: nil when the row was accepted, else why it was rejected (every problem, `; `-separated).
    func map(_ row: RowInput, now: Timestamp, into events: inout [Event]) -> String? {
        var problems: [String] = []
        let source = kind.source
        switch kind {
        case .crm:
            let userId = text(row, .customerId, required: true, &problems)
            var updatedAt: Timestamp?
            if row.cells[Field.updatedAt.rawValue] != nil {
                updatedAt = date(row, .updatedAt, required: false, &problems)
            }
            guard problems.isEmpty, let userId else { return problems.joined(separator: "; ") }
            var traits = JSONObject()
            for field in [Field.email, .phone, .firstName, .lastName] {
                if let value = traitValue(row.cells[field.rawValue]) { traits[field.name] = value }
            }
            for extra in row.extras where traits[extra.key] == nil { traits[extra.key] = extra.value }
            var hash = RecordHash()
            hash.add(text: kind.rawValue)
            hash.add(text: userId)
            hash.add(count: updatedAt == nil ? 0 : 1)
            hash.add(word: UInt64(bitPattern: updatedAt?.millis ?? 0))
            hash.add(object: traits)
            events.append(
                Event(
                    messageId: "crm:\(hash.hex)", source: source, type: .identify, userId: userId, traits: traits,
                    timestamp: updatedAt ?? now, receivedAt: now))

        case .transactions:
            let userId = text(row, .customerId, required: true, &problems)
            let orderId = text(row, .orderId, required: true, &problems)
            let timestamp = date(row, .date, required: true, &problems)
            let revenue = amount(row, .amount, &problems)
            let currency = text(row, .currency, required: false, &problems)
            guard problems.isEmpty, let userId, let orderId, let timestamp, let revenue else {
                return problems.joined(separator: "; ")
            }
            var properties = JSONObject()
            properties["order_id"] = .string(orderId)
            properties["revenue"] = .number(revenue)
            if let currency { properties["currency"] = .string(currency) }
            for extra in row.extras where properties[extra.key] == nil { properties[extra.key] = extra.value }
            events.append(
                Event(
                    messageId: "order:\(orderId)", source: source, type: .track, userId: userId,
                    name: WellKnownEvent.orderCompleted, properties: properties, timestamp: timestamp, receivedAt: now))

        case .lost:
            let userId = text(row, .customerId, required: true, &problems)
            let timestamp = date(row, .date, required: true, &problems)
            let reason = text(row, .reason, required: false, &problems)
            guard problems.isEmpty, let userId, let timestamp else { return problems.joined(separator: "; ") }
            var properties = JSONObject()
            if let reason { properties["reason"] = .string(reason) }
            for extra in row.extras where properties[extra.key] == nil { properties[extra.key] = extra.value }
            var hash = RecordHash()
            hash.add(text: kind.rawValue)
            hash.add(text: userId)
            hash.add(word: UInt64(bitPattern: timestamp.millis))
            hash.add(object: properties)
            let id = hash.hex
            var traits: JSONObject = ["lost": true, "lost_at": .string(timestamp.iso8601)]
            if let reason { traits["lost_reason"] = .string(reason) }
            // The identify first: when the engine sees `Customer Lost`, the profile already says lost.
            events.append(
                Event(
                    messageId: "lost:\(id):identify", source: source, type: .identify, userId: userId, traits: traits,
                    timestamp: timestamp, receivedAt: now))
            events.append(
                Event(
                    messageId: "lost:\(id):track", source: source, type: .track, userId: userId,
                    name: WellKnownEvent.customerLost, properties: properties, timestamp: timestamp, receivedAt: now))
        }
        return nil
    }

    // MARK: - Cells

    private func describe(_ field: Field) -> String { "\(noun) '\(fields.source(of: field))'" }

    /// A field as text (JSON numbers written out), trimmed; nil when absent or empty.
    private func text(_ row: RowInput, _ field: Field, required: Bool, _ problems: inout [String]) -> String? {
        let value: String
        switch row.cells[field.rawValue] {
        case nil:
            if required { problems.append("\(describe(field)) is missing; every \(kind.rawValue) record needs one") }
            return nil
        case .text(let cell):
            value = cell.trimmedSpaces()
        case .json(let json):
            switch json {
            case .string(let string): value = string.trimmedSpaces()
            case .number(let number): return Self.text(of: number)
            case .null: value = ""
            case .bool, .array, .object:
                problems.append("\(describe(field)) is \(json.typeName), expected text or a number")
                return nil
            }
        }
        if value.isEmpty {
            if required { problems.append("\(describe(field)) is empty; fill it in") }
            return nil
        }
        return value
    }

    private func date(_ row: RowInput, _ field: Field, required: Bool, _ problems: inout [String]) -> Timestamp? {
        if case .json(let json) = row.cells[field.rawValue], json.stringValue == nil, !json.isNull {
            problems.append("\(describe(field)) is \(json.typeName), expected an ISO 8601 date string like \"2024-03-01\" or \"2024-03-01T14:30:00Z\"")
            return nil
        }
        guard let value = text(row, field, required: required, &problems) else { return nil }
        guard let timestamp = Timestamp(iso8601: value) else {
            problems.append("\(describe(field)) is \(Self.quoted(value)), expected an ISO 8601 date like 2024-03-01 or 2024-03-01T14:30:00Z")
            return nil
        }
        return timestamp
    }

    private func amount(_ row: RowInput, _ field: Field, _ problems: inout [String]) -> Double? {
        if case .json(.number(let number)) = row.cells[field.rawValue] {
            guard number >= 0, number.isFinite else {
                problems.append("\(describe(field)) is \(Self.text(of: number)), expected a number of 0 or more like 129.90")
                return nil
            }
            return number
        }
        if case .json(let json) = row.cells[field.rawValue], json.stringValue == nil, !json.isNull {
            problems.append("\(describe(field)) is \(json.typeName), expected a number like 129.90")
            return nil
        }
        guard let value = text(row, field, required: true, &problems) else { return nil }
        if let number = Self.plainDecimal(value) { return number }
        var reason = "\(describe(field)) is \(Self.quoted(value)), expected a number like 129.90"
        if value.contains(","), Self.plainDecimal(value.replacingComma()) != nil {
            reason += " (write the decimal separator as a dot)"
        } else if value.hasPrefix("-") {
            reason += " (amounts cannot be negative: leave refunds out of the file)"
        } else if let number = Self.strippingSymbols(value), Self.plainDecimal(number.replacingComma()) != nil {
            reason += " (no currency symbol: put the currency in its own column)"
        }
        problems.append(reason)
        return nil
    }

    /// An optional trait cell: CSV `true` / `false` become Booleans, other CSV text stays text; JSON values
    /// keep their type. Empty ones (and JSON null) are left out.
    private func traitValue(_ cell: Cell?) -> JSONValue? {
        switch cell {
        case nil: nil
        case .text(let text): Self.csvValue(text)
        case .json(let json): Self.jsonExtra(json)
        }
    }

    // MARK: - Values

    /// A CSV cell as a trait or property value: trimmed; nil when empty; `true` / `false` (any case) as Booleans.
    static func csvValue(_ cell: String) -> JSONValue? {
        let text = cell.trimmedSpaces()
        if text.isEmpty { return nil }
        if text.utf8.count == 4 || text.utf8.count == 5 {
            switch text.lowercased() {
            case "true": return .bool(true)
            case "false": return .bool(false)
            default: break
            }
        }
        return .string(text)
    }

    /// An NDJSON value as a trait or property: nil for null and empty strings, else unchanged.
    static func jsonExtra(_ value: JSONValue) -> JSONValue? {
        switch value {
        case .null: nil
        case .string(let text) where text.isEmpty: nil
        default: value
        }
    }

    /// `[0-9]+(\.[0-9]+)?` as a Double; nil for anything else.
    static func plainDecimal(_ text: String) -> Double? {
        var sawDigit = false
        var sawDot = false
        var digitsAfterDot = 0
        for byte in text.utf8 {
            if byte >= 48 && byte <= 57 {
                sawDigit = true
                if sawDot { digitsAfterDot += 1 }
            } else if byte == 46, sawDigit, !sawDot {
                sawDot = true
            } else {
                return nil
            }
        }
        guard sawDigit, !sawDot || digitsAfterDot > 0 else { return nil }
        return Double(text)
    }

    /// The text with leading and trailing characters other than digits, `.` and `,` removed, when any were
    /// (`€12` → `12`, `12 EUR` → `12`); nil when nothing was removed.
    static func strippingSymbols(_ text: String) -> String? {
        let keep: (Unicode.Scalar) -> Bool = { ($0.value >= 48 && $0.value <= 57) || $0 == "." || $0 == "," }
        let scalars = text.unicodeScalars
        guard let start = scalars.firstIndex(where: keep), let end = scalars.lastIndex(where: keep) else { return nil }
        guard start != scalars.startIndex || scalars.index(after: end) != scalars.endIndex else { return nil }
        return String(scalars[start...end])
    }

    /// A JSON number as an id: integers without a fraction.
    static func text(of number: Double) -> String {
        if number == number.rounded(), abs(number) < 9_007_199_254_740_992 { return String(Int64(number)) }
        return String(number)
    }

    /// A cell value quoted for a message, shortened when long.
    static func quoted(_ value: String) -> String {
        value.count > 40 ? "'\(value.prefix(40))…'" : "'\(value)'"
    }
}

extension String {
    /// The string without leading and trailing spaces and tabs; returns `self` unchanged (no copy) when there
    /// are none, which is nearly always.
    func trimmedSpaces() -> String {
        let utf8 = self.utf8
        guard let first = utf8.first, let last = utf8.last else { return self }
        let isSpace: (UInt8) -> Bool = { $0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }
        if !isSpace(first) && !isSpace(last) { return self }
        guard let start = utf8.firstIndex(where: { !isSpace($0) }) else { return "" }
        let end = utf8.lastIndex(where: { !isSpace($0) })!
        return String(self[start...end])
    }

    fileprivate func replacingComma() -> String {
        String(decoding: utf8.map { $0 == 44 ? 46 : $0 }, as: UTF8.self)
    }
}
