#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// CSV records from a file, one at a time, through a fixed chunk buffer.
struct CSVRecordReader: ~Copyable {
    private var chunks: ChunkReader
    /// The parser holding the current record.
    private(set) var parser: CSVRecordParser

    init(chunks: consuming ChunkReader, delimiter: UInt8, maxRecordBytes: Int) {
        self.chunks = chunks
        self.parser = CSVRecordParser(delimiter: delimiter, maxRecordBytes: maxRecordBytes)
    }

    var bytesRead: Int64 { chunks.bytesRead }
    var totalBytes: Int64 { chunks.totalBytes }
    /// Most bytes held at once: the chunk buffer plus the largest record buffer.
    var peakBufferedBytes: Int { chunks.capacity + parser.peakCapacity }

    /// Moves to the next record; false at end of file.
    mutating func next() throws(ReadFailure) -> Bool {
        while true {
            if chunks.available.isEmpty, try !chunks.refill() { return parser.finish() }
            let (used, complete) = parser.consume(chunks.available)
            chunks.consume(used)
            if complete { return true }
        }
    }
}

/// NDJSON lines from a file, one at a time, through a fixed chunk buffer. Lines holding only whitespace are
/// skipped; a trailing CR is dropped.
struct NDJSONLineReader: ~Copyable {
    private var chunks: ChunkReader
    private var buffer: [UInt8] = []
    private var nextLine = 1
    private var pendingOverflow = false
    let maxLineBytes: Int
    /// The physical line number of the current line, 1-based.
    private(set) var line = 0
    /// Whether the current line exceeded `maxLineBytes` (its bytes are then incomplete).
    private(set) var overflowed = false
    /// The largest line buffer capacity so far.
    private(set) var peakCapacity = 0

    init(chunks: consuming ChunkReader, maxLineBytes: Int) {
        self.chunks = chunks
        self.maxLineBytes = maxLineBytes
        buffer.reserveCapacity(min(maxLineBytes, 4096))
    }

    var bytesRead: Int64 { chunks.bytesRead }
    var totalBytes: Int64 { chunks.totalBytes }
    /// Most bytes held at once: the chunk buffer plus the largest line buffer.
    var peakBufferedBytes: Int { chunks.capacity + peakCapacity }

    /// Length of the current line in bytes (as kept, at most `maxLineBytes`).
    var lineLength: Int { buffer.count }

    /// Calls `body` with the current line's bytes (without the line break).
    func withLine<Result>(_ body: (UnsafeRawBufferPointer) throws -> Result) rethrows -> Result {
        try buffer.withUnsafeBytes(body)
    }

    /// Moves to the next non-blank line; false at end of file.
    mutating func next() throws(ReadFailure) -> Bool {
        while true {
            guard try readLine() else { return false }
            if !isBlank { return true }
        }
    }

    private var isBlank: Bool {
        !overflowed && buffer.allSatisfy { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }
    }

    private mutating func readLine() throws(ReadFailure) -> Bool {
        peakCapacity = max(peakCapacity, buffer.capacity)
        buffer.removeAll(keepingCapacity: true)
        pendingOverflow = false
        var sawBytes = false
        while true {
            if chunks.available.isEmpty {
                guard try chunks.refill() else {
                    guard sawBytes else { return false }
                    finishLine()
                    return true
                }
            }
            let input = chunks.available
            sawBytes = true
            let newline = memchr(input.baseAddress!, 0x0A, input.count)
            let length = newline.map { UnsafeRawPointer($0) - input.baseAddress! } ?? input.count
            take(UnsafeRawBufferPointer(rebasing: input[..<length]))
            if newline != nil {
                chunks.consume(length + 1)
                finishLine()
                return true
            }
            chunks.consume(length)
        }
    }

    private mutating func take(_ bytes: UnsafeRawBufferPointer) {
        let room = maxLineBytes - buffer.count
        if bytes.count > room {
            pendingOverflow = true
            buffer.append(contentsOf: bytes[..<max(room, 0)])
        } else {
            buffer.append(contentsOf: bytes)
        }
    }

    private mutating func finishLine() {
        if buffer.last == 0x0D { buffer.removeLast() }
        line = nextLine
        nextLine += 1
        overflowed = pendingOverflow
    }
}
