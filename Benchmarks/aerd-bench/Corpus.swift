import AerJSON

/// Realistic Segment traffic for a sneaker shop: mostly product views, some cart adds and orders.
struct Corpus {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    private mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    private mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(bound)) }

    /// One track event as a Segment batch item (~310 bytes compact).
    mutating func item(sequence: Int, customers: Int) -> JSONValue {
        let customer = below(customers)
        let roll = below(100)
        let name = roll < 70 ? "Product Viewed" : roll < 90 ? "Product Added" : "Order Completed"
        let sku = below(500)
        let price = Double(40 + below(160)) + 0.99
        return [
            "type": "track",
            "messageId": .string("bench-\(state & 0xFFFF_FFFF)-\(sequence)"),
            "userId": .string("customer-\(customer)"),
            "anonymousId": .string("anon-\(customer)"),
            "event": .string(name),
            "timestamp": "2026-11-24T09:30:00.000Z",
            "context": [
                "ip": "203.0.113.7",
                "library": ["name": "analytics.js", "version": "4.1.0"],
                "page": ["path": "/running", "url": "https://stride.example/running"],
            ],
            "properties": [
                "product_id": .string("P\(sku)"), "sku": .string("RUN-\(sku)"), "category": "running",
                "name": "Stride Runner", "price": .number(price), "quantity": 1, "currency": "EUR",
            ],
        ]
    }

    /// A `/v1/batch` body of `count` events.
    mutating func batch(count: Int, startingAt sequence: Int, customers: Int) -> JSONValue {
        ["batch": .array((0..<count).map { item(sequence: sequence + $0, customers: customers) }), "sentAt": "2026-11-24T09:30:01.000Z"]
    }
}
