/// E.164 telephone numbers as SMS providers require them.
public enum PhoneNumber {
    /// Whether `number` is in E.164 form: `+`, then 8 to 15 digits, the first not zero (e.g. `+14155550123`).
    /// No spaces, dashes or brackets: those must be removed before a number is stored.
    /// - Parameter number: the number to check.
    /// - Returns: true when the number can be sent to the provider as is.
    public static func isE164(_ number: String) -> Bool {
        let bytes = Array(number.utf8)
        guard bytes.count >= 9, bytes.count <= 16, bytes[0] == UInt8(ascii: "+") else { return false }
        guard bytes[1] >= UInt8(ascii: "1"), bytes[1] <= UInt8(ascii: "9") else { return false }
        return bytes.dropFirst(2).allSatisfy { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
    }
}
