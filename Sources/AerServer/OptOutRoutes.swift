import AerAutomation
import AerCore
import AerStore
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// The ways a customer says "stop": the one-click unsubscribe link (RFC 8058) and SMS keywords.
struct OptOutRoutes: Sendable {
    let store: any Store
    let options: ServerOptions.OptOut
    let clock: any WallClock

    static let stopWords: Set<String> = ["STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT"]
    static let startWords: Set<String> = ["START", "UNSTOP"]

    func register(on router: Router<BasicRequestContext>) {
        let tokens = UnsubscribeTokens(secret: options.secret)
        router.get("/u/{token}") { _, context in
            guard let token = context.parameters.get("token"), let target = tokens.verify(token) else { return Self.invalidLink() }
            return Self.page(
                title: "Unsubscribe",
                body: """
                    <p>Stop receiving \(target.channelType == "sms" ? "text messages" : "emails") like this one?</p>
                    <form method="post"><button type="submit">Unsubscribe</button></form>
                    """)
        }
        router.post("/u/{token}") { _, context in
            guard let token = context.parameters.get("token"), let target = tokens.verify(token) else { return Self.invalidLink() }
            try await store.setOptOut(
                channelType: target.channelType, address: "customer:\(target.profileId)", optedOut: true, source: "unsubscribe link",
                now: clock.now())
            return Self.page(title: "Unsubscribed", body: "<p>You are unsubscribed. We will not send you these messages again.</p>")
        }
        router.post("/v1/sms/inbound") { request, _ in
            let body = try await request.body.collect(upTo: 64 * 1024)
            let parameters = Self.formParameters(String(buffer: body))
            if let authToken = options.smsAuthToken, let url = options.smsInboundURL {
                guard let signature = request.headers[HTTPField.Name("X-Twilio-Signature")!],
                    ProviderSignature.isValid(signature: signature, authToken: authToken, url: url, parameters: parameters)
                else {
                    return Response(status: .forbidden, headers: [.contentType: "text/plain"], body: ResponseBody(byteBuffer: ByteBuffer(string: "invalid signature\n")))
                }
            }
            let values = Dictionary(parameters, uniquingKeysWith: { first, _ in first })
            let keyword = (values["Body"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines).uppercased()
            if let from = values["From"], !from.isEmpty {
                if Self.stopWords.contains(keyword) {
                    try await store.setOptOut(channelType: "sms", address: from, optedOut: true, source: "sms \(keyword)", now: clock.now())
                } else if Self.startWords.contains(keyword) {
                    try await store.setOptOut(channelType: "sms", address: from, optedOut: false, source: "sms \(keyword)", now: clock.now())
                }
            }
            return Response(
                status: .ok, headers: [.contentType: "text/xml"],
                body: ResponseBody(byteBuffer: ByteBuffer(string: "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response></Response>")))
        }
    }

    /// `application/x-www-form-urlencoded` pairs, decoded.
    static func formParameters(_ text: String) -> [(String, String)] {
        text.split(separator: "&").compactMap { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ part: Substring) -> String {
                part.replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String(part)
            }
            guard let name = parts.first else { return nil }
            return (decode(name), parts.count > 1 ? decode(parts[1]) : "")
        }
    }

    static func invalidLink() -> Response {
        page(title: "Link not valid", body: "<p>This link is not valid. Please use the link from the message you received.</p>", status: .badRequest)
    }

    static func page(title: String, body: String, status: HTTPResponse.Status = .ok) -> Response {
        let html = """
            <!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">\
            <title>\(title)</title></head><body><h1>\(title)</h1>\(body)</body></html>
            """
        return Response(status: status, headers: [.contentType: "text/html; charset=utf-8"], body: ResponseBody(byteBuffer: ByteBuffer(string: html)))
    }
}
