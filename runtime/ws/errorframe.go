package ws

import (
	"errors"

	jsgenrt "github.com/jsgen-dev/jsgen/runtime"
	"github.com/jsgen-dev/jsgen/runtime/jsonx"
)

// SendErrorFrame queues e for the client as the error frame every route
// can send (the same frame the runtime answers an invalid frame with):
//
//	{"type":"error","code":e.Code,"message":e.Message,"errors":[{"path":…,"message":…}]}
//
// errors is always present, possibly empty; an empty e.Code is sent as
// "invalid_message". Use it to refuse a well-formed frame for a reason of
// the app's own ("join_refused", "not_found", ...): the declarations do not
// need an error message of their own, and the exported JSON Schema
// (jsgen.ErrorFrame.schema.json), AsyncAPI document and TypeScript client
// (JsgenErrorFrame, the "error" event) already describe it. Sending does
// not close the connection. It fails like SendBytes, and with an error when
// e is nil.
func (c *Conn) SendErrorFrame(e *jsgenrt.Error) error {
	if e == nil {
		return errors.New("ws: SendErrorFrame: nil *jsgenrt.Error")
	}
	code := e.Code
	if code == "" {
		code = jsgenrt.CodeInvalidMessage
	}
	return c.SendBytes(AppendErrorFrame(nil, code, e.Message, e.Errors))
}

// DecodeErrorFrame decodes an error frame as a client receives it, as
// strictly as generated decoders decode messages: "type" must be "error",
// "code" and "message" strings, "errors" (optional: absent means none) an
// array of {"path","message"} objects, and nothing else. It returns the
// frame as a *jsgenrt.Error, or a *jsgenrt.Error describing why data is
// not an error frame. Clients use it on frames whose "type" is "error".
func DecodeErrorFrame(data []byte) (*jsgenrt.Error, error) {
	var r jsonx.Reader
	r.Reset(data)
	var e jsgenrt.Error
	decodeErrorFrame(&r, &e)
	r.End()
	if err := r.Err(); err != nil {
		return nil, err
	}
	return &e, nil
}

func decodeErrorFrame(r *jsonx.Reader, e *jsgenrt.Error) {
	if !r.Object(nil) {
		return
	}
	var seenType, seenCode, seenMessage, seenErrors bool
	for {
		key, ok := r.Key(nil)
		if !ok {
			break
		}
		name := string(key)
		fp := jsonx.Path{Key: name}
		switch name {
		case "type":
			if once(r, &seenType, name) {
				r.CheckTag(&fp, "error")
			}
		case "code":
			if once(r, &seenCode, name) {
				e.Code = r.String(&fp)
			}
		case "message":
			if once(r, &seenMessage, name) {
				e.Message = r.String(&fp)
			}
		case "errors":
			if once(r, &seenErrors, name) {
				e.Errors = decodeFieldErrors(r, &fp)
			}
		default:
			r.SkipUnknown(nil, key, "type", "code", "message", "errors")
		}
	}
	for _, m := range []struct {
		seen bool
		name string
	}{{seenType, "type"}, {seenCode, "code"}, {seenMessage, "message"}} {
		if !m.seen {
			r.Missing(nil, m.name)
		}
	}
}

// once reports whether the member name is seen for the first time, and
// otherwise records the duplicate and skips its value.
func once(r *jsonx.Reader, seen *bool, name string) bool {
	if *seen {
		r.SkipDuplicate(nil, name)
		return false
	}
	*seen = true
	return true
}

func decodeFieldErrors(r *jsonx.Reader, p *jsonx.Path) []jsgenrt.FieldError {
	if !r.Array(p) {
		return nil
	}
	out := []jsgenrt.FieldError{}
	for i := 0; r.More(p); i++ {
		ip := jsonx.Path{Parent: p, Index: i, IsIndex: true}
		var fe jsgenrt.FieldError
		decodeFieldError(r, &ip, &fe)
		out = append(out, fe)
	}
	return out
}

func decodeFieldError(r *jsonx.Reader, p *jsonx.Path, fe *jsgenrt.FieldError) {
	if !r.Object(p) {
		return
	}
	var seenPath, seenMessage bool
	for {
		key, ok := r.Key(p)
		if !ok {
			break
		}
		fp := jsonx.Path{Parent: p, Key: string(key)}
		switch string(key) {
		case "path":
			if seenPath {
				r.SkipDuplicate(p, "path")
				continue
			}
			seenPath = true
			fe.Path = r.String(&fp)
		case "message":
			if seenMessage {
				r.SkipDuplicate(p, "message")
				continue
			}
			seenMessage = true
			fe.Message = r.String(&fp)
		default:
			r.SkipUnknown(p, key, "path", "message")
		}
	}
	if !seenPath {
		r.Missing(p, "path")
	}
	if !seenMessage {
		r.Missing(p, "message")
	}
}
