/// An incremental RFC 4180 record parser: feed it bytes in pieces of any size, it yields one record at a time.
///
/// Handles quoted cells, doubled quotes, line breaks inside quotes, LF / CRLF / lone-CR line ends, and tracks
/// the physical line each record starts on. Lenient where RFC 4180 is silent or strict: a quote inside an
/// unquoted cell, or text after a closing quote, is kept as text. Blank lines, and records whose cells are
/// all empty and unquoted, are skipped.
///
/// Memory: one record's cell bytes plus one 8-byte offset per cell, together capped at `maxRecordBytes`; a longer
/// record is still parsed to its end (so the next one starts at the right place) but flagged `overflowed`.
struct CSVRecordParser {
    private enum State: UInt8 {
        case fieldStart, unquoted, quoted, quoteInQuoted
    }

    private static let quote: UInt8 = 0x22
    private static let lf: UInt8 = 0x0A
    private static let cr: UInt8 = 0x0D

    let delimiter: UInt8
    let maxRecordBytes: Int

    /// The current record's cell contents, unquoted, back to back.
    private(set) var bytes: [UInt8] = []
    /// End offset in `bytes` of each cell of the current record.
    private(set) var fieldEnds: [Int] = []
    /// The line the current record starts on, 1-based.
    private(set) var recordLine = 0
    /// Whether the current record exceeded `maxRecordBytes` (its cells are then incomplete).
    private(set) var overflowed = false
    /// Whether the current record ended at end of input inside a quoted cell.
    private(set) var unclosedQuote = false
    /// The largest `bytes` capacity so far, to check the memory bound.
    private(set) var peakCapacity = 0

    private var state = State.fieldStart
    private var line = 1
    private var afterCR = false
    private var recordStarted = false
    private var sawQuote = false
    private var needsReset = false

    init(delimiter: UInt8, maxRecordBytes: Int) {
        self.delimiter = delimiter
        self.maxRecordBytes = maxRecordBytes
        bytes.reserveCapacity(min(maxRecordBytes, 4096))
        fieldEnds.reserveCapacity(32)
    }

    /// Number of cells in the current record.
    var fieldCount: Int { fieldEnds.count }

    /// The raw bytes of cell `index` of the current record.
    func fieldBytes(_ index: Int) -> ArraySlice<UInt8> {
        bytes[(index == 0 ? 0 : fieldEnds[index - 1])..<fieldEnds[index]]
    }

    /// Cell `index` as text; nil when it is not valid UTF-8.
    func field(_ index: Int) -> String? {
        let slice = fieldBytes(index)
        return slice.withUnsafeBufferPointer { cell in
            var ascii = true
            for byte in cell where byte >= 0x80 {
                ascii = false
                break
            }
            let text = String(decoding: cell, as: UTF8.self)
            // Decoding replaces invalid sequences with U+FFFD, so valid input is exactly input that round-trips.
            return ascii || text.utf8.elementsEqual(cell) ? text : nil
        }
    }

    /// Consumes `input` until a record is complete or the input runs out.
    /// - Parameter input: the next bytes of the file.
    /// - Returns: how many bytes were consumed, and whether a record is now complete (read it before the
    ///   next call).
    mutating func consume(_ input: UnsafeRawBufferPointer) -> (consumed: Int, complete: Bool) {
        if needsReset { resetRecord() }
        let count = input.count
        var i = 0
        while i < count {
            // Most bytes are ordinary cell text: copy a whole run of them at once.
            if state == .unquoted || state == .quoted {
                let runStart = i
                if state == .unquoted {
                    while i < count {
                        let b = input[i]
                        if b == delimiter || b == Self.quote || b == Self.lf || b == Self.cr { break }
                        i += 1
                    }
                } else {
                    while i < count {
                        let b = input[i]
                        if b == Self.quote || b == Self.lf || b == Self.cr { break }
                        i += 1
                    }
                }
                if i > runStart {
                    append(UnsafeRawBufferPointer(rebasing: input[runStart..<i]))
                    afterCR = false
                    if i == count { break }
                }
            }
            let c = input[i]
            i += 1
            let wasCR = afterCR
            afterCR = false
            if state == .quoted {
                if c == Self.quote {
                    state = .quoteInQuoted
                } else {
                    if c == Self.lf {
                        if !wasCR { line += 1 }
                    } else if c == Self.cr {
                        line += 1
                        afterCR = true
                    }
                    append(c)
                }
                continue
            }
            if c == Self.lf || c == Self.cr {
                if c == Self.cr {
                    afterCR = true
                    line += 1
                } else if wasCR {
                    continue  // the LF of a CRLF: the CR already ended the line
                } else {
                    line += 1
                }
                guard recordStarted else { continue }  // a blank line
                endField()
                if isBlankRecord {
                    resetRecord()
                    continue
                }
                needsReset = true
                return (i, true)
            }
            if !recordStarted {
                recordStarted = true
                recordLine = line
            }
            if c == delimiter {
                endField()
                state = .fieldStart
            } else if c == Self.quote {
                switch state {
                case .fieldStart:
                    state = .quoted
                    sawQuote = true
                case .quoteInQuoted:
                    append(c)  // a doubled quote inside a quoted cell
                    state = .quoted
                default:
                    append(c)  // a stray quote inside an unquoted cell: kept as text
                }
            } else {
                append(c)
                state = .unquoted
            }
        }
        return (count, false)
    }

    /// Ends the input: completes the last record if it had no line break after it.
    /// - Returns: whether a record is now complete.
    mutating func finish() -> Bool {
        if needsReset { resetRecord() }
        guard recordStarted else { return false }
        if state == .quoted { unclosedQuote = true }
        endField()
        if isBlankRecord {
            resetRecord()
            return false
        }
        needsReset = true
        return true
    }

    private var isBlankRecord: Bool { bytes.isEmpty && !sawQuote && !overflowed }

    @inline(__always)
    private mutating func append(_ c: UInt8) {
        if bytes.count + fieldEnds.count * 8 < maxRecordBytes {
            bytes.append(c)
        } else {
            overflowed = true
        }
    }

    private mutating func append(_ run: UnsafeRawBufferPointer) {
        let room = maxRecordBytes - bytes.count - fieldEnds.count * 8
        if run.count <= room {
            bytes.append(contentsOf: run)
        } else {
            if room > 0 { bytes.append(contentsOf: run[..<room]) }
            overflowed = true
        }
    }

    private mutating func endField() {
        if bytes.count + fieldEnds.count * 8 < maxRecordBytes {
            fieldEnds.append(bytes.count)
        } else {
            overflowed = true
        }
    }

    private mutating func resetRecord() {
        peakCapacity = max(peakCapacity, bytes.capacity + fieldEnds.capacity * MemoryLayout<Int>.stride)
        bytes.removeAll(keepingCapacity: true)
        fieldEnds.removeAll(keepingCapacity: true)
        state = .fieldStart
        recordStarted = false
        sawQuote = false
        overflowed = false
        unclosedQuote = false
        needsReset = false
    }
}
