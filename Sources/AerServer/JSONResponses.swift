import AerJSON
import HTTPTypes
import Hummingbird
import NIOCore

/// JSON answers, written with our own encoder.
enum JSONResponse {
    static let success: ByteBuffer = ByteBuffer(string: #"{"success":true}"#)

    static func make(_ status: HTTPResponse.Status, _ value: JSONValue, headers extra: HTTPFields = [:]) -> Response {
        var headers = extra
        headers[.contentType] = "application/json"
        var bytes = JSONWriter.bytes(value)
        bytes.append(0x0A)
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    static func ok() -> Response {
        Response(status: .ok, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: success))
    }

    static func error(_ status: HTTPResponse.Status, _ message: String, headers: HTTPFields = [:]) -> Response {
        make(status, ["success": false, "error": .string(message)], headers: headers)
    }
}
