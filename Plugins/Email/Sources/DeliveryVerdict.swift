import AerPluginAPI
import CCurlShim

/// Judges a finished send: accepted, worth a retry, or refused for good.
///
/// The server's own reply decides when there is one — 4xx is temporary, 5xx permanent (RFC 5321 §4.2.1),
/// whether it answered the greeting, AUTH, MAIL, RCPT or the end of DATA. Without an error reply, the
/// failure was the network, TLS or a timeout, and a later attempt may succeed.
enum DeliveryVerdict {
    static func judge(_ outcome: TransferOutcome, endpoint: String, messageID: String) -> Result<DeliveryReceipt, DeliveryError> {
        let code = CURLcode(rawValue: outcome.curlCode)
        if code == CURLE_OK {
            let detail = outcome.reply?.finalLine ?? "accepted"
            return .success(
                DeliveryReceipt(
                    providerMessageId: providerMessageId(in: detail), detail: detail,
                    metadata: ["message_id": messageID, "connection": outcome.newConnections > 0 ? "new" : "reused"]))
        }
        if let reply = outcome.errorReply {
            let login = code == CURLE_LOGIN_DENIED
            let what = login ? "refused the login (check username and password)" : nil
            if reply.code < 500 {
                return .failure(.retry("\(endpoint) \(what ?? "deferred the message"): \(reply.text)"))
            }
            return .failure(.permanent("\(endpoint) \(what ?? "rejected the message"): \(reply.text)"))
        }
        var message = "cannot deliver through \(endpoint): \(outcome.curlMessage)"
        switch code {
        case CURLE_PEER_FAILED_VERIFICATION:
            message += " (the server's certificate is not trusted: give its CA in ca_file)"
        case CURLE_USE_SSL_FAILED:
            message += " (the server does not offer STARTTLS; starttls is required)"
        case CURLE_LOGIN_DENIED:
            message += " (the server offers no AUTH mechanism libcurl can use here; some offer AUTH only after STARTTLS)"
        default:
            break
        }
        return .failure(.retry(message))
    }

    /// The queue id in a reply such as `250 2.0.0 Ok: queued as 4Xz1Y2` (Postfix) or `250 OK id=1rX-0003` (Exim).
    static func providerMessageId(in reply: String) -> String? {
        for marker in ["queued as ", "id="] {
            guard let range = reply.range(of: marker) else { continue }
            let id = reply[range.upperBound...].prefix { !$0.isWhitespace && $0 != ";" && $0 != ")" && $0 != ">" }
            if !id.isEmpty { return String(id) }
        }
        return nil
    }
}
