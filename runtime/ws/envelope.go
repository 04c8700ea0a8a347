package ws

import (
	"unicode/utf8"

	"github.com/jsgen-dev/jsgen/runtime/jsonx"
)

// MaxCallIDLength is the longest call id accepted, in characters.
const MaxCallIDLength = 64

// envelope is one decoded call frame:
//
//	{"id":"…","command":"NAME","payload":{…}}  a call
//	{"id":"…","cancel":true}                   a cancel
//
// Its strings are views of the frame (borrowed): they are valid only while
// the frame is, and id must be copied to outlive it.
type envelope struct {
	id      string
	command string
	payload []byte // the payload's raw JSON; nil when absent
	cancel  bool
}

// isCallFrame reports whether data is a JSON object with a top-level
// "command" or "cancel" member: on a route with commands, such a frame is
// a call (or its cancel) and every other frame is one of the route's
// messages. It allocates nothing for well-formed frames.
func isCallFrame(data []byte) bool {
	var r jsonx.Reader
	r.ResetBorrowing(data)
	if !r.Object(nil) {
		return false
	}
	for {
		key, ok := r.Key(nil)
		if !ok {
			return false
		}
		if k := string(key); k == "command" || k == "cancel" {
			return true
		}
		r.Skip(nil)
	}
}

// decodeEnvelope decodes a call frame strictly: an object with "id" (a
// string of 1..MaxCallIDLength characters) and either "command" (a
// non-empty string) with an optional "payload" (an object, kept as raw
// bytes for the command's own decoder), or "cancel" (true) alone. Unknown
// and duplicate members are refused at their path. The returned error is a
// *jsgenrt.Error (code invalid_json or invalid_message); env.id is set
// whenever the id itself was valid, so the refusal can be a reply.
func decodeEnvelope(data []byte) (env envelope, err error) {
	var r jsonx.Reader
	r.ResetBorrowing(data)
	idOK := decodeEnvelopeMembers(&r, data, &env)
	r.End()
	if err := r.Err(); err != nil {
		if !idOK {
			env.id = ""
		}
		return env, err
	}
	return env, nil
}

// decodeEnvelopeMembers reads the envelope's members into env and records
// every problem on r. It reports whether the id was present and valid.
func decodeEnvelopeMembers(r *jsonx.Reader, data []byte, env *envelope) (idOK bool) {
	if !r.Object(nil) {
		return false
	}
	var seenID, seenCommand, seenPayload, seenCancel bool
	for {
		key, ok := r.Key(nil)
		if !ok {
			break
		}
		switch string(key) {
		case "id":
			if once(r, &seenID, "id") {
				idOK = readCallID(r, data, env)
			}
		case "command":
			if once(r, &seenCommand, "command") {
				readCommandName(r, data, env)
			}
		case "payload":
			if once(r, &seenPayload, "payload") {
				env.payload = readPayload(r, data)
			}
		case "cancel":
			if once(r, &seenCancel, "cancel") {
				readCancel(r, data, env)
			}
		default:
			r.SkipUnknown(nil, key, "id", "command", "payload", "cancel")
		}
	}
	if !seenID {
		r.Missing(nil, "id")
	}
	checkEnvelopeShape(r, seenCommand, seenPayload, seenCancel)
	return idOK
}

// checkEnvelopeShape refuses a frame that is neither a call nor a cancel:
// a cancel carries nothing but the id, a call needs its command.
func checkEnvelopeShape(r *jsonx.Reader, seenCommand, seenPayload, seenCancel bool) {
	switch {
	case seenCancel && seenCommand:
		p := jsonx.Path{Key: "cancel"}
		r.Invalid(&p, `a cancel frame has only "id" and "cancel"; send the call and its cancel as two frames`)
	case seenCancel && seenPayload:
		p := jsonx.Path{Key: "payload"}
		r.Invalid(&p, `a cancel frame has only "id" and "cancel"`)
	case !seenCancel && !seenCommand:
		r.Missing(nil, "command")
	}
}

func readCallID(r *jsonx.Reader, data []byte, env *envelope) bool {
	p := jsonx.Path{Key: "id"}
	id, ok := readString(r, data, &p)
	if !ok {
		return false
	}
	if n := utf8.RuneCountInString(id); n < 1 || n > MaxCallIDLength {
		r.Invalid(&p, "must be 1 to 64 characters")
		return false
	}
	env.id = id
	return !r.Failed()
}

func readCommandName(r *jsonx.Reader, data []byte, env *envelope) {
	p := jsonx.Path{Key: "command"}
	name, ok := readString(r, data, &p)
	if !ok {
		return
	}
	if name == "" {
		r.Invalid(&p, "must not be empty")
		return
	}
	env.command = name
}

// peek returns the next non-space byte of data from the reader's offset,
// or 0 at the end.
func peek(r *jsonx.Reader, data []byte) byte {
	for i := r.Offset(); i < len(data); i++ {
		if !isSpace(data[i]) {
			return data[i]
		}
	}
	return 0
}

// readString reads a string member at p and reports whether it was one
// (a wrong type or bad syntax is recorded on r).
func readString(r *jsonx.Reader, data []byte, p *jsonx.Path) (string, bool) {
	isString := peek(r, data) == '"'
	s := r.String(p)
	return s, isString && !r.Failed()
}

// readCancel reads "cancel", which must be true.
func readCancel(r *jsonx.Reader, data []byte, env *envelope) {
	p := jsonx.Path{Key: "cancel"}
	c := peek(r, data)
	if r.Bool(&p) {
		env.cancel = true
		return
	}
	if c == 'f' && !r.Failed() {
		r.Invalid(&p, "must be true")
	}
}

// readPayload checks the payload is an object and returns its raw bytes
// (a view of data).
func readPayload(r *jsonx.Reader, data []byte) []byte {
	p := jsonx.Path{Key: "payload"}
	start := r.Offset()
	for start < len(data) && isSpace(data[start]) {
		start++
	}
	if c := peek(r, data); c != '{' && c != 0 {
		r.Invalid(&p, "want object")
	}
	r.Skip(&p)
	if r.Failed() {
		return nil
	}
	return data[start:r.Offset()]
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }
