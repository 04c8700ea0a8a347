package ws

import (
	"errors"
	"net/http"
	"strconv"

	jsgenrt "github.com/jsgen-dev/jsgen/runtime"
)

// Error codes the runtime puts in error frames and HTTP refusal bodies,
// besides jsgenrt.CodeInvalidJSON and jsgenrt.CodeInvalidMessage (decode
// and validation failures).
const (
	CodeBinaryNotSupported = "binary_not_supported" // binary frame on a JSON route (connection stays open)
	CodeRateLimited        = "rate_limited"         // inbound rate limit exceeded (then close 1008)
	CodeBadRequest         = "bad_request"          // Prepare refused the request (HTTP 400 by default)
	CodeForbidden          = "forbidden"            // origin or guard refused (HTTP 403)
	CodeUnauthorized       = "unauthorized"         // guard refused (HTTP 401)
	CodeNotFound           = "not_found"            // guard refused (HTTP 404)
	CodeConflict           = "conflict"             // guard refused (HTTP 409)
	CodeUnavailable        = "unavailable"          // shutting down or at MaxConnections (HTTP 503)
	CodeNotWebSocket       = "not_websocket"        // plain HTTP request on a WebSocket route (HTTP 400)
)

// Codes under which the runtime counts failures that end a connection
// (Metrics.Error) and that appear in logs; they are never sent as error
// frames, the close code and reason say it instead.
const (
	ErrCodeInvalidUTF8   = "invalid_utf8"    // close 1007
	ErrCodeMessageTooBig = "message_too_big" // close 1009
	ErrCodeProtocol      = "protocol_error"  // close 1002
	ErrCodeTimeout       = "timeout"         // read (pong) or write deadline passed
	ErrCodeSlowClient    = "slow_client"     // close 1013, outbound queue over MaxQueueBytes
	ErrCodeInboxFull     = "inbox_full"      // close 1013, handler not consuming messages
	ErrCodeHandlerError  = "handler_error"   // close 1011
	ErrCodeHandlerPanic  = "handler_panic"   // close 1011
	ErrCodeDecoderPanic  = "decoder_panic"   // close 1011
)

// WebSocket close codes the runtime sends (RFC 6455 §7.4.1).
const (
	CloseNormal         = 1000 // handler returned nil
	CloseGoingAway      = 1001 // server shutting down
	CloseProtocolError  = 1002 // malformed frames
	CloseInvalidPayload = 1007 // invalid UTF-8 in a text message
	ClosePolicy         = 1008 // inbound rate limit exceeded
	CloseTooBig         = 1009 // message over ReadLimit
	CloseInternal       = 1011 // handler error or panic
	CloseTryAgainLater  = 1013 // slow client, or handler not consuming messages
)

// Errors returned by Conn methods.
var (
	// ErrClosed: the connection is closing or closed; nothing more can be
	// sent on it or joined with it.
	ErrClosed = errors.New("ws: connection closed")
	// ErrSlowClient: the frame would have pushed the connection's queue
	// past MaxQueueBytes; the connection is being closed with 1013.
	ErrSlowClient = errors.New("ws: client too slow: outbound queue limit exceeded, disconnecting")
)

// RefusalError refuses a WebSocket upgrade with an HTTP status. Guards
// return it through Refuse.
type RefusalError struct {
	Status  int    // HTTP status: 401, 403, ...
	Code    string // error code in the JSON body
	Message string // human-readable reason in the JSON body
}

// Error returns "ws: refused (<status>): <message>".
func (e *RefusalError) Error() string {
	return "ws: refused (" + strconv.Itoa(e.Status) + "): " + e.Message
}

// Refuse returns an error that refuses an upgrade with status (typically
// 401, 403, 404 or 409) and message; the client gets that status and a JSON
// body {"type":"error","code":...,"message":message,"errors":[]} where code
// is "unauthorized" for 401, "forbidden" for 403, "not_found" for 404,
// "conflict" for 409, "unavailable" for 503 and "bad_request" otherwise.
// A status that is not 4xx or 5xx is sent as 403: a refusal never upgrades.
// For another code, return a *RefusalError of your own.
func Refuse(status int, message string) error {
	return &RefusalError{Status: status, Code: codeForStatus(status), Message: message}
}

// codeForStatus is the error code Refuse gives a status.
func codeForStatus(status int) string {
	switch status {
	case http.StatusUnauthorized:
		return CodeUnauthorized
	case http.StatusForbidden:
		return CodeForbidden
	case http.StatusNotFound:
		return CodeNotFound
	case http.StatusConflict:
		return CodeConflict
	case http.StatusServiceUnavailable:
		return CodeUnavailable
	}
	return CodeBadRequest
}

// AppendErrorFrame appends the error frame
//
//	{"type":"error","code":code,"message":message,"errors":[{"path":...,"message":...}]}
//
// to b. errors is always present (possibly empty) so clients see one shape.
func AppendErrorFrame(b []byte, code, message string, errs []jsgenrt.FieldError) []byte {
	b = append(b, `{"type":"error","code":`...)
	b = jsgenrt.AppendJSONString(b, code)
	b = append(b, `,"message":`...)
	b = jsgenrt.AppendJSONString(b, message)
	return append(appendFieldErrors(b, errs), '}')
}

// appendFieldErrors appends `,"errors":[{"path":…,"message":…}…]`, the
// field errors of an error frame or a call's error reply.
func appendFieldErrors(b []byte, errs []jsgenrt.FieldError) []byte {
	b = append(b, `,"errors":[`...)
	for i, fe := range errs {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"path":`...)
		b = jsgenrt.AppendJSONString(b, fe.Path)
		b = append(b, `,"message":`...)
		b = jsgenrt.AppendJSONString(b, fe.Message)
		b = append(b, '}')
	}
	return append(b, ']')
}

// errorFrameFor turns a decode error into an error frame: a *jsgenrt.Error
// keeps its code, summary and field errors; anything else becomes
// invalid_message with the error's text.
func errorFrameFor(err error) (frame []byte, code string) {
	var e *jsgenrt.Error
	if errors.As(err, &e) {
		code := e.Code
		if code == "" {
			code = jsgenrt.CodeInvalidMessage
		}
		return AppendErrorFrame(nil, code, e.Message, e.Errors), code
	}
	return AppendErrorFrame(nil, jsgenrt.CodeInvalidMessage, err.Error(), nil), jsgenrt.CodeInvalidMessage
}

// writeHTTPError answers a refused upgrade with status and the error-frame
// shaped JSON body.
func writeHTTPError(w http.ResponseWriter, status int, code, message string, errs []jsgenrt.FieldError) {
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(AppendErrorFrame(nil, code, message, errs))
}
