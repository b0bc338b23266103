#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A `read(2)` that failed, with its errno.
struct ReadFailure: Error {
    var errno: Int32

    var reason: String { String(cString: strerror(errno)) }
}

/// Reads a file front to back through one fixed buffer of `capacity` bytes, and skips a leading UTF-8 BOM.
///
/// The record readers consume the buffered bytes and call `refill()` when they are gone, so a file of any
/// size is read with exactly `capacity` bytes of buffer. Reads are plain blocking `read(2)` calls on a local
/// file: each returns as soon as the page cache or disk delivers the chunk.
struct ChunkReader: ~Copyable {
    private let fd: Int32
    private let storage: UnsafeMutableRawBufferPointer
    private var start = 0
    private var end = 0
    private var startedReading = false
    /// Bytes read from the file so far.
    private(set) var bytesRead: Int64 = 0
    /// The file's size when opened (0 when it is not a regular file, such as a pipe).
    let totalBytes: Int64

    /// The bytes read but not yet consumed.
    var available: UnsafeRawBufferPointer { UnsafeRawBufferPointer(rebasing: storage[start..<end]) }
    /// The fixed size of the buffer.
    var capacity: Int { storage.count }

    /// Opens `path` for reading with a buffer of `capacity` bytes.
    init(path: String, capacity: Int) throws(ImportError) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            let error = errno
            switch error {
            case ENOENT:
                throw ImportError(.fileNotFound, "file not found: \(path); check the path (relative paths start at \(Self.currentDirectory()))")
            case EACCES:
                throw ImportError(.unreadable, "cannot read \(path): permission denied; give the aerd user read access to it")
            default:
                throw ImportError(.unreadable, "cannot open \(path): \(String(cString: strerror(error)))")
            }
        }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            let reason = String(cString: strerror(errno))
            close(fd)
            throw ImportError(.unreadable, "cannot read \(path): \(reason)")
        }
        if (info.st_mode & S_IFMT) == S_IFDIR {
            close(fd)
            throw ImportError(.unreadable, "\(path) is a directory; give the path of the file to import")
        }
        self.fd = fd
        self.totalBytes = (info.st_mode & S_IFMT) == S_IFREG ? Int64(info.st_size) : 0
        self.storage = .allocate(byteCount: max(capacity, 16), alignment: 16)
    }

    deinit {
        close(fd)
        storage.deallocate()
    }

    /// Marks the first `count` available bytes as consumed.
    mutating func consume(_ count: Int) {
        start += count
    }

    /// Replaces the (fully consumed) buffer with the next chunk of the file; false at end of file.
    mutating func refill() throws(ReadFailure) -> Bool {
        start = 0
        end = 0
        if !startedReading {
            startedReading = true
            // A pipe may deliver fewer bytes than asked for; the BOM check needs the first three.
            while end < 3 {
                let count = try readSome(into: end)
                if count == 0 { break }
                end += count
            }
            if end >= 3, storage[0] == 0xEF, storage[1] == 0xBB, storage[2] == 0xBF { start = 3 }
            if start < end { return true }
            start = 0
        }
        end = try readSome(into: 0)
        return end > 0
    }

    private mutating func readSome(into offset: Int) throws(ReadFailure) -> Int {
        while true {
            let count = read(fd, storage.baseAddress! + offset, storage.count - offset)
            if count >= 0 {
                bytesRead += Int64(count)
                return count
            }
            if errno != EINTR { throw ReadFailure(errno: errno) }
        }
    }

    private static func currentDirectory() -> String {
        guard let cwd = getcwd(nil, 0) else { return "the current directory" }
        defer { free(cwd) }
        return String(cString: cwd)
    }
}
