import AerJSON

/// FNV-1a, 128-bit: a stable, dependency-free fingerprint of an import record, used as its messageId so
/// the same record imported again is dropped by the event log. Not a security hash; it only needs to be
/// stable across runs and machines and to make accidental collisions negligible.
///
/// The byte encoding below is part of aerd's data format: changing it changes every import messageId, and
/// re-importing an old file would then add its records again.
struct RecordHash {
    private var high: UInt64 = 0x6c62_272e_07bb_0142
    private var low: UInt64 = 0x62b8_2175_6295_c58d

    /// FNV-1a step: xor the byte in, multiply by the 128-bit FNV prime 2^88 + 0x13B.
    @inline(__always)
    mutating func add(byte: UInt8) {
        low ^= UInt64(byte)
        let (carry, product) = low.multipliedFullWidth(by: 0x13B)
        high = high &* 0x13B &+ carry &+ (low << 24)
        low = product
    }

    mutating func add(bytes: some Sequence<UInt8>) {
        for byte in bytes { add(byte: byte) }
    }

    /// Adds a length or count as a LEB128 varint (one byte below 128), so adjacent values cannot run together.
    mutating func add(count: Int) {
        var value = UInt64(truncatingIfNeeded: count)
        while value >= 0x80 {
            add(byte: UInt8(truncatingIfNeeded: value) | 0x80)
            value >>= 7
        }
        add(byte: UInt8(value))
    }

    /// Adds 8 bytes, little-endian.
    mutating func add(word: UInt64) {
        var value = word
        for _ in 0..<8 {
            add(byte: UInt8(truncatingIfNeeded: value))
            value >>= 8
        }
    }

    /// Adds a string, length-prefixed.
    mutating func add(text: String) {
        var text = text
        text.withUTF8 { utf8 in
            add(count: utf8.count)
            for byte in utf8 { add(byte: byte) }
        }
    }

    /// Adds a JSON value canonically: object members in key order, so member order does not matter.
    mutating func add(value: JSONValue) {
        switch value {
        case .null: add(byte: 0)
        case .bool(let flag): add(byte: flag ? 2 : 1)
        case .number(let number):
            add(byte: 3)
            add(word: (number == 0 ? 0 : number).bitPattern)
        case .string(let text):
            add(byte: 4)
            add(text: text)
        case .array(let items):
            add(byte: 5)
            add(count: items.count)
            for item in items { add(value: item) }
        case .object(let object):
            add(byte: 6)
            add(object: object)
        }
    }

    /// Adds an object's members in key order.
    mutating func add(object: JSONObject) {
        add(count: object.count)
        for member in object.members.sorted(by: { $0.key < $1.key }) {
            add(text: member.key)
            add(value: member.value)
        }
    }

    /// The 32 lowercase hex digits of the hash.
    var hex: String {
        let digits = Array("0123456789abcdef".utf8)
        var text = [UInt8](repeating: 0, count: 32)
        for (offset, word) in [(0, high), (16, low)] {
            for i in 0..<16 { text[offset + i] = digits[Int((word >> UInt64(60 - 4 * i)) & 0xF)] }
        }
        return String(decoding: text, as: UTF8.self)
    }
}
