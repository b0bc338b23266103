/// A field the importer understands, named as in `--map field=column`.
enum Field: Int, CaseIterable {
    case customerId, email, phone, firstName, lastName, updatedAt, orderId, date, amount, currency, reason

    /// The field name, also its default column / key.
    var name: String {
        switch self {
        case .customerId: "customer_id"
        case .email: "email"
        case .phone: "phone"
        case .firstName: "first_name"
        case .lastName: "last_name"
        case .updatedAt: "updated_at"
        case .orderId: "order_id"
        case .date: "date"
        case .amount: "amount"
        case .currency: "currency"
        case .reason: "reason"
        }
    }
}

extension ImportKind {
    /// The fields of this kind, in canonical order, and whether each is required.
    var fields: [(field: Field, required: Bool)] {
        switch self {
        case .crm:
            [(.customerId, true), (.email, false), (.phone, false), (.firstName, false), (.lastName, false), (.updatedAt, false)]
        case .transactions:
            [(.customerId, true), (.orderId, true), (.date, true), (.amount, true), (.currency, false)]
        case .lost:
            [(.customerId, true), (.date, true), (.reason, false)]
        }
    }

    /// Events each accepted row makes.
    var eventsPerRow: Int { self == .lost ? 2 : 1 }

    /// The `source` of the events this kind makes.
    var source: String { "import:\(rawValue)" }
}

/// Where each field of a kind is read from: a column name (CSV) or a key or dotted key path (NDJSON).
struct FieldMap {
    let kind: ImportKind
    /// Source name per `Field.rawValue`; nil for fields the kind does not have.
    private(set) var sources: [String?]
    /// Fields whose source was given with `--map` (a missing mapped column is an error even when optional).
    private(set) var explicit: Set<Field> = []

    /// The default names, overridden by `mapping` (field name → column or key).
    init(kind: ImportKind, mapping: [String: String]) throws(ImportError) {
        self.kind = kind
        sources = Array(repeating: nil, count: Field.allCases.count)
        for (field, _) in kind.fields { sources[field.rawValue] = field.name }
        for (name, column) in mapping.sorted(by: { $0.key < $1.key }) {
            guard let field = kind.fields.first(where: { $0.field.name == name })?.field else {
                let valid = kind.fields.map(\.field.name).joined(separator: ", ")
                throw ImportError(
                    .badMapping,
                    "--map \(name)=\(column): \(kind.rawValue) imports have no field '\(name)'; the fields are \(valid) (other columns are kept under their own names)"
                )
            }
            guard !column.isEmpty else {
                throw ImportError(.badMapping, "--map \(name)=: give the column that holds \(name), e.g. --map \(name)=\(name.uppercased())")
            }
            sources[field.rawValue] = column
            explicit.insert(field)
        }
    }

    /// The column or key the field is read from.
    func source(of field: Field) -> String { sources[field.rawValue] ?? field.name }
}
