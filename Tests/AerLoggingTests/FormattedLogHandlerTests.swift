import AerCore
import AerJSON
import AerLogging
import Logging
import Synchronization
import Testing

/// Collects what a handler writes.
final class Recorder: Sendable {
    private let bytes = Mutex<[UInt8]>([])

    var sink: LogSink { LogSink { written in self.bytes.withLock { $0 += written } } }

    var text: String { bytes.withLock { String(decoding: $0, as: UTF8.self) } }
}

/// A logger writing `format` to a recorder, at 2026-01-05T10:00:00.123Z.
func logger(_ format: LogFormat, level: Logger.Level = .info, label: String = "aerd") -> (Logger, Recorder) {
    let recorder = Recorder()
    let clock = ManualWallClock(Timestamp(iso8601: "2026-01-05T10:00:00.123Z")!)
    let logger = Logger(label: label) { label in
        FormattedLogHandler(label: label, format: format, level: level, sink: recorder.sink, clock: clock)
    }
    return (logger, recorder)
}

@Suite("log formats")
struct LogFormatTests {
    @Test("text: UTC time with milliseconds, level, label, sorted metadata, module, message")
    func text() {
        let (log, recorder) = logger(.text)
        log.info("outbox row sent", metadata: ["outbox_id": "3", "channel": "email"], source: "AerDispatch")
        log.warning("no metadata", source: "aerd")
        #expect(recorder.text == """
            2026-01-05T10:00:00.123Z info aerd: channel=email outbox_id=3 [AerDispatch] outbox row sent
            2026-01-05T10:00:00.123Z warning aerd: [aerd] no metadata

            """)
    }

    @Test("json: one object per line with ts, level, label, message and the metadata as fields")
    func json() throws {
        var (log, recorder) = logger(.json)
        log[metadataKey: "channel"] = "webhook"
        log.error("endpoint said \"gone\"", metadata: ["attempt": "2", "limits": ["max": "5"], "tags": ["a", "b"]])
        log.info("clash", metadata: ["level": "mine"])
        #expect(recorder.text == """
            {"ts":"2026-01-05T10:00:00.123Z","level":"error","label":"aerd","message":"endpoint said \\"gone\\"","attempt":"2","channel":"webhook","limits":{"max":"5"},"tags":["a","b"]}
            {"ts":"2026-01-05T10:00:00.123Z","level":"info","label":"aerd","message":"clash","channel":"webhook","metadata.level":"mine"}

            """)
        for line in recorder.text.split(separator: "\n") {
            #expect(throws: Never.self) { try JSONParser.parse(Array(line.utf8)) }
        }
    }

    @Test("journald: the sd-daemon priority on every line, no time stamp")
    func journald() {
        let (log, recorder) = logger(.journald, level: .trace)
        log.critical("disk full")
        log.error("cannot send", metadata: ["channel": "sms"])
        log.warning("first line\nsecond line")
        log.notice("noted")
        log.info("listening")
        log.debug("migration")
        log.trace("detail")
        #expect(recorder.text == """
            <2>aerd: disk full
            <3>aerd: cannot send channel=sms
            <4>aerd: first line
            <4>second line
            <5>aerd: noted
            <6>aerd: listening
            <7>aerd: migration
            <7>aerd: detail

            """)
    }

    @Test("records below the level are not written")
    func level() {
        let (log, recorder) = logger(.text, level: .warning)
        log.info("quiet")
        log.debug("quieter")
        #expect(recorder.text.isEmpty)
    }
}

@Suite("secret redaction")
struct RedactionTests {
    @Test("metadata whose key names a secret is redacted, at any depth and in every format")
    func redacted() {
        for format in LogFormat.allCases {
            var (log, recorder) = logger(format)
            log[metadataKey: "admin_token"] = "tok-1"
            log.info("setup", metadata: [
                "Authorization": "Bearer tok-2", "smtp.password": "pw-3", "writeKey": "wk-4", "webhook_secret": "whsec_5",
                "X-Api-Key": "key-6", "channel": ["auth_token": "tok-7", "id": "sms"],
            ])
            for secret in ["tok-1", "tok-2", "pw-3", "wk-4", "whsec_5", "key-6", "tok-7"] {
                #expect(!recorder.text.contains(secret), "\(format) shows \(secret): \(recorder.text)")
            }
            #expect(recorder.text.contains("[redacted]"))
            #expect(recorder.text.contains("sms"))
        }
    }

    @Test("other metadata is left alone")
    func kept() {
        let (log, recorder) = logger(.text)
        log.info("m", metadata: ["outbox_id": "9", "idempotency_key": "k"])
        #expect(recorder.text.contains("idempotency_key=k outbox_id=9"))
    }
}

@Suite("choosing format and level")
struct LogChoiceTests {
    @Test("command line beats environment beats aerd.yaml beats the default")
    func precedence() throws {
        let environment = ["AERD_LOG_FORMAT": "json", "AERD_LOG_LEVEL": "debug"]
        let configured: (LogFormat?, Logger.Level?) = (.journald, .warning)
        #expect(try LogChoice(format: .text, level: .error, configured: configured, environment: environment, journal: false)
            == LogChoice(format: .text, level: .error))
        #expect(try LogChoice(format: nil, level: nil, configured: configured, environment: environment, journal: false)
            == LogChoice(format: .json, level: .debug))
        #expect(try LogChoice(format: nil, level: nil, configured: configured, environment: [:], journal: false)
            == LogChoice(format: .journald, level: .warning))
    }

    @Test("the default is journald on the journal, else text, at info")
    func defaults() throws {
        #expect(try LogChoice(format: nil, level: nil, configured: (nil, nil), environment: [:], journal: true)
            == LogChoice(format: .journald, level: .info))
        #expect(try LogChoice(format: nil, level: nil, configured: (nil, nil), environment: ["AERD_LOG_FORMAT": ""], journal: false)
            == LogChoice(format: .text, level: .info))
    }

    @Test("an unknown value in the environment is an error naming the variable and the choices")
    func badEnvironment() {
        let format = #expect(throws: LogChoiceError.self) {
            try LogChoice(format: nil, level: nil, configured: (nil, nil), environment: ["AERD_LOG_FORMAT": "xml"], journal: false)
        }
        #expect(format?.description == "AERD_LOG_FORMAT is 'xml', which is not one of text, json, journald; set it to one of those or unset it")
        let level = #expect(throws: LogChoiceError.self) {
            try LogChoice(format: .text, level: nil, configured: (nil, nil), environment: ["AERD_LOG_LEVEL": "loud"], journal: false)
        }
        #expect(level?.description == "AERD_LOG_LEVEL is 'loud', which is not one of trace, debug, info, notice, warning, error, critical; set it to one of those or unset it")
    }
}
