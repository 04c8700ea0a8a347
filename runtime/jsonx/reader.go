package jsonx

import (
	"fmt"
	"slices"
	"strings"

	jsgenrt "github.com/jsgen-dev/jsgen/runtime"
)

// MaxDepth is how deeply arrays and objects may nest; deeper input is a
// syntax failure.
const MaxDepth = 64

// MaxErrors bounds the shape failures one Reader records; past it, one more
// entry says that further problems were left out.
const MaxErrors = 100

// Reader reads one JSON value from a byte slice. The zero Reader reads empty
// input; call Reset to give it data. A Reader is meant to live on the stack
// of a generated Decode function and is not safe for concurrent use.
type Reader struct {
	data  []byte
	pos   int
	depth int
	// first is true just after '{' or '[' was consumed: the next token may
	// close the container and needs no comma.
	first bool

	failed  bool // a syntax failure was recorded; reading has stopped
	synOff  int
	synPath string
	synMsg  string

	errs jsgenrt.FieldErrors
	// undone holds the paths of union values left undecoded although the
	// failure was recorded at their discriminator (see ErrWith).
	undone  []string
	scratch []byte // unescaped strings and keys
	// borrow makes strings without escapes alias data (ResetBorrowing).
	borrow bool
}

// Reset makes r read data from the start, forgetting any failure. The
// Reader keeps a reference to data: strings it returns are copies, but keys
// returned by Key may point into data until the next call.
func (r *Reader) Reset(data []byte) {
	*r = Reader{data: data, scratch: r.scratch[:0]}
}

// ResetBorrowing is Reset for a check that discards what it decodes: a
// string without escape sequences is returned as a view of data instead of
// a copy, so checking a payload allocates nothing for such strings. Use it
// only when data is not modified while the decoded strings are in use
// (typically: decode, validate, drop the value).
func (r *Reader) ResetBorrowing(data []byte) {
	r.Reset(data)
	r.borrow = true
}

// Offset returns the byte offset of the next unread byte.
func (r *Reader) Offset() int { return r.pos }

// Failed reports whether a syntax failure was recorded.
func (r *Reader) Failed() bool { return r.failed }

// OK reports whether nothing at all (syntax or shape) has failed so far.
func (r *Reader) OK() bool { return !r.failed && len(r.errs) == 0 }

// Err returns nil when nothing failed; otherwise a *runtime.Error with code
// CodeInvalidJSON carrying the syntax failure (its path, and its byte offset
// in the message), or code CodeInvalidMessage listing every shape failure in
// the order met in the input.
func (r *Reader) Err() error { return r.ErrWith(nil) }

// ErrWith is Err for a value that was decoded and then validated:
// violations are what validation found in it (in its order: declaration
// order, map entries sorted by key). It returns nil when neither reading
// nor validation found anything. After a syntax failure it returns the
// syntax failure alone, as Err does. Otherwise it returns one *runtime.Error
// with code CodeInvalidMessage listing the shape failures first, in input
// order, then the violations, except those at or below the path of a value
// that could not be decoded: a shape failure's path, or the union whose
// discriminator was missing, unknown or not a string. A member of the wrong
// type, a missing member or a duplicated one is thus reported by its shape
// failure alone, not also by a violation of the zero (or first) value that
// validation saw in its place. At most MaxErrors problems are listed; one
// more entry then says that the rest were left out. ErrWith does not
// allocate when nothing failed.
func (r *Reader) ErrWith(violations jsgenrt.FieldErrors) error {
	if r.failed {
		return &jsgenrt.Error{
			Code:    jsgenrt.CodeInvalidJSON,
			Message: "invalid JSON",
			Errors:  []jsgenrt.FieldError{{Path: r.synPath, Message: r.synMsg}},
		}
	}
	if len(r.errs) == 0 {
		if len(violations) == 0 {
			return nil
		}
		if len(violations) <= MaxErrors {
			return violations.Err()
		}
	}
	errs := slices.Clip(r.errs) // appending never touches what Err returned before
	for _, v := range violations {
		if len(errs) > MaxErrors {
			break
		}
		if r.decoded(v.Path) {
			errs = appendCapped(errs, v)
		}
	}
	return &jsgenrt.Error{Code: jsgenrt.CodeInvalidMessage, Message: "invalid message", Errors: errs}
}

// decoded reports whether path is neither at nor below the path of a value
// that failed to decode.
func (r *Reader) decoded(path string) bool {
	for _, fe := range r.errs {
		if within(path, fe.Path) {
			return false
		}
	}
	for _, u := range r.undone {
		if within(path, u) {
			return false
		}
	}
	return true
}

// within reports whether the rendered path lies at or below the rendered
// path of: the same path, or one continuing it with ".member" or "[...]".
// The root ("") contains every path.
func within(path, of string) bool {
	if !strings.HasPrefix(path, of) {
		return false
	}
	return of == "" || len(path) == len(of) || path[len(of)] == '.' || path[len(of)] == '['
}

// appendCapped appends fe to errs unless errs already holds MaxErrors
// problems: then it appends, once, the entry saying the rest are left out.
func appendCapped(errs jsgenrt.FieldErrors, fe jsgenrt.FieldError) jsgenrt.FieldErrors {
	switch {
	case len(errs) < MaxErrors:
		return append(errs, fe)
	case len(errs) == MaxErrors:
		return append(errs, jsgenrt.FieldError{Message: fmt.Sprintf("more than %d problems; the rest are not reported", MaxErrors)})
	}
	return errs
}

// SyntaxOffset returns the byte offset of the recorded syntax failure, or -1.
func (r *Reader) SyntaxOffset() int {
	if !r.failed {
		return -1
	}
	return r.synOff
}

// syntax records the first syntax failure and stops reading.
func (r *Reader) syntax(p *Path, off int, format string, args ...any) {
	if r.failed {
		return
	}
	r.failed = true
	r.synOff = off
	r.synPath = p.String()
	r.synMsg = fmt.Sprintf(format, args...) + fmt.Sprintf(" (at byte %d)", off)
	r.pos = len(r.data)
}

// shape records a shape failure at p.
func (r *Reader) shape(p *Path, msg string) {
	r.shapeAt(p.String(), msg)
}

func (r *Reader) shapeAt(path, msg string) {
	if r.failed {
		return
	}
	r.errs = appendCapped(r.errs, jsgenrt.FieldError{Path: path, Message: msg})
}

// undecoded records that the value at p was left undecoded, its failure
// having been recorded at another path (a union's discriminator).
func (r *Reader) undecoded(p *Path) {
	if !r.failed && len(r.undone) < MaxErrors {
		r.undone = append(r.undone, p.String())
	}
}

// next skips whitespace and returns the next byte without consuming it. At
// the end of the input it records a syntax failure.
func (r *Reader) next(p *Path) (byte, bool) {
	if r.failed {
		return 0, false
	}
	for r.pos < len(r.data) {
		switch c := r.data[r.pos]; c {
		case ' ', '\t', '\n', '\r':
			r.pos++
		default:
			return c, true
		}
	}
	r.syntax(p, r.pos, "unexpected end of JSON input")
	return 0, false
}

// kindOf names the kind of JSON value that starts with c, or "" if no value
// starts with c.
func kindOf(c byte) string {
	switch {
	case c == '"':
		return "string"
	case c == '{':
		return "object"
	case c == '[':
		return "array"
	case c == 't' || c == 'f':
		return "boolean"
	case c == 'n':
		return "null"
	case c == '-' || c >= '0' && c <= '9':
		return "number"
	}
	return ""
}

// quoteChar formats c for a syntax message.
func quoteChar(c byte) string {
	if c >= 0x20 && c < 0x7f {
		if c == '\'' {
			return `'\''`
		}
		return "'" + string(rune(c)) + "'"
	}
	return fmt.Sprintf("byte 0x%02x", c)
}

// mismatch records that the value at p (starting with c) is not a want, and
// skips it. If no value starts with c, it records a syntax failure instead.
func (r *Reader) mismatch(p *Path, want string, c byte) {
	got := kindOf(c)
	if got == "" {
		r.syntax(p, r.pos, "invalid character %s looking for beginning of value", quoteChar(c))
		return
	}
	r.shape(p, "want "+want+", got "+got)
	r.skip(p)
}

// open consumes '{' or '[' at r.pos.
func (r *Reader) open(p *Path) bool {
	if r.depth >= MaxDepth {
		r.syntax(p, r.pos, "arrays and objects nested more than %d levels deep", MaxDepth)
		return false
	}
	r.depth++
	r.pos++
	r.first = true
	return true
}

// close consumes '}' or ']' at r.pos.
func (r *Reader) close() {
	r.depth--
	r.pos++
	r.first = false
}

// Object starts reading an object at p. It returns false, having recorded a
// failure and skipped the value, if the value is not an object.
func (r *Reader) Object(p *Path) bool {
	c, ok := r.next(p)
	if !ok {
		return false
	}
	if c != '{' {
		r.mismatch(p, "object", c)
		return false
	}
	return r.open(p)
}

// Key reads the next member name of the object at p (after Object) and the
// ':' after it. It returns false at the closing '}' (which it consumes) or on
// a syntax failure. The returned bytes are the unescaped name; they point
// into the input or into the Reader's scratch space and are valid only
// until the next call.
func (r *Reader) Key(p *Path) ([]byte, bool) {
	c, ok := r.next(p)
	if !ok {
		return nil, false
	}
	if c == '}' {
		r.close()
		return nil, false
	}
	if r.first {
		r.first = false
	} else {
		if c != ',' {
			r.syntax(p, r.pos, "invalid character %s after object member; want ',' or '}'", quoteChar(c))
			return nil, false
		}
		r.pos++
		if c, ok = r.next(p); !ok {
			return nil, false
		}
	}
	if c != '"' {
		r.syntax(p, r.pos, "invalid character %s looking for beginning of object key", quoteChar(c))
		return nil, false
	}
	key, ok := r.stringBytes(p)
	if !ok {
		return nil, false
	}
	if c, ok = r.next(p); !ok {
		return nil, false
	}
	if c != ':' {
		r.syntax(p, r.pos, "invalid character %s after object key; want ':'", quoteChar(c))
		return nil, false
	}
	r.pos++
	return key, true
}

// Array starts reading an array at p. It returns false, having recorded a
// failure and skipped the value, if the value is not an array.
func (r *Reader) Array(p *Path) bool {
	c, ok := r.next(p)
	if !ok {
		return false
	}
	if c != '[' {
		r.mismatch(p, "array", c)
		return false
	}
	return r.open(p)
}

// More reports whether the array at p (after Array) has another element,
// consuming the ',' before it. At the closing ']' it consumes it and
// returns false; on a syntax failure it returns false.
func (r *Reader) More(p *Path) bool {
	c, ok := r.next(p)
	if !ok {
		return false
	}
	if c == ']' {
		r.close()
		return false
	}
	if r.first {
		r.first = false
		return true
	}
	if c != ',' {
		r.syntax(p, r.pos, "invalid character %s after array element; want ',' or ']'", quoteChar(c))
		return false
	}
	r.pos++
	return true
}

// Skip skips the value at p, checking its syntax.
func (r *Reader) Skip(p *Path) { r.skip(p) }

func (r *Reader) skip(p *Path) {
	c, ok := r.next(p)
	if !ok {
		return
	}
	switch {
	case c == '{':
		if !r.open(p) {
			return
		}
		for {
			if _, ok := r.Key(p); !ok {
				return
			}
			r.skip(p)
		}
	case c == '[':
		if !r.open(p) {
			return
		}
		for r.More(p) {
			r.skip(p)
		}
	case c == '"':
		r.scanString(p)
	case c == 't':
		r.literal(p, "true")
	case c == 'f':
		r.literal(p, "false")
	case c == 'n':
		r.literal(p, "null")
	case c == '-' || c >= '0' && c <= '9':
		r.scanNumber(p)
	default:
		r.syntax(p, r.pos, "invalid character %s looking for beginning of value", quoteChar(c))
	}
}

// literal consumes the literal lit (true, false, null) at r.pos.
func (r *Reader) literal(p *Path, lit string) bool {
	if len(r.data)-r.pos < len(lit) || string(r.data[r.pos:r.pos+len(lit)]) != lit {
		i := 0
		for i < len(lit) && r.pos+i < len(r.data) && r.data[r.pos+i] == lit[i] {
			i++
		}
		if r.pos+i >= len(r.data) {
			r.syntax(p, r.pos+i, "unexpected end of JSON input in literal %s", lit)
		} else {
			r.syntax(p, r.pos+i, "invalid character %s in literal %s", quoteChar(r.data[r.pos+i]), lit)
		}
		return false
	}
	r.pos += len(lit)
	return true
}

// Null consumes a null at p and reports true, or reports false leaving the
// value in place if it is something else.
func (r *Reader) Null(p *Path) bool {
	c, ok := r.next(p)
	if !ok || c != 'n' {
		return false
	}
	return r.literal(p, "null")
}

// Bool reads a boolean at p.
func (r *Reader) Bool(p *Path) bool {
	c, ok := r.next(p)
	if !ok {
		return false
	}
	switch c {
	case 't':
		return r.literal(p, "true")
	case 'f':
		r.literal(p, "false")
		return false
	}
	r.mismatch(p, "boolean", c)
	return false
}

// End checks that only whitespace follows the value just read.
func (r *Reader) End() {
	if r.failed {
		return
	}
	for r.pos < len(r.data) {
		switch c := r.data[r.pos]; c {
		case ' ', '\t', '\n', '\r':
			r.pos++
		default:
			r.syntax(nil, r.pos, "invalid character %s after top-level value", quoteChar(c))
			return
		}
	}
}

// Valid reports whether data is one JSON value that a Reader accepts: RFC
// 8259 JSON with valid UTF-8, no lone surrogate escapes and at most MaxDepth
// levels of nesting. Duplicate object keys are not checked here (generated
// decoders reject them where they matter: in declared objects and maps).
func Valid(data []byte) bool {
	var r Reader
	r.Reset(data)
	r.skip(nil)
	r.End()
	return !r.failed
}

// Check is like Valid but says what is wrong, as Err would.
func Check(data []byte) error {
	var r Reader
	r.Reset(data)
	r.skip(nil)
	r.End()
	return r.Err()
}
