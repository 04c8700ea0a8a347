// Package query turns a URL query into the JSON object of a declared
// message, so that generated code validates query parameters with the same
// strict decoder, defaults and error paths as WebSocket frames.
//
// Applications use it through the generated code: a route that declares a
// query gets it decoded before the upgrade (a bad query is a 400 naming
// the parameter) and finds it, typed, in the connection's Query field.
//
// Only declared parameters are read; others are ignored, since proxies,
// browsers and cache-busters add their own. A scalar parameter given more
// than once, or whose text is not of its kind, is refused with the
// parameter's name as the error path.
//
// Text must be valid UTF-8 once percent-decoded, everywhere in the query:
// a parameter name or value that is not (?nick=%FF%FE) is refused, with
// the parameter's name as the path, never replaced by U+FFFD. This holds
// for undeclared parameters too, so a malformed query is refused whatever
// it carries.
package query

import (
	"math"
	"net/url"
	"slices"
	"strconv"
	"unicode/utf8"

	jsgenrt "github.com/jsgen-dev/jsgen/runtime"
)

// Kind is how a parameter's text becomes a JSON value.
type Kind uint8

// The kinds of query parameters.
const (
	String Kind = iota // strings, enums and refs: a JSON string
	Bool               // true/false (also 1/0, t/f as strconv.ParseBool reads them)
	Int                // a base-10 integer (int, int64, timestamps in Unix ms)
	Float              // a finite number
)

// Field declares one query parameter.
type Field struct {
	Name  string // the wire name, e.g. "username"
	Kind  Kind
	Array bool // repeated parameter (?tag=a&tag=b) → JSON array
}

// JSON returns the JSON object holding the declared parameters found in v,
// ready for the message's strict decoder. Problems are reported all at once
// as a *jsgenrt.Error with code invalid_message: a parameter given more
// than once or not of its kind, and invalid UTF-8 in any parameter's name
// or value (declared or not).
func JSON(v url.Values, fields []Field) ([]byte, error) {
	var errs jsgenrt.FieldErrors
	b := append(make([]byte, 0, 64), '{')
	n := 0
	for _, f := range fields {
		vals, ok := v[f.Name]
		if !ok {
			continue
		}
		if !f.Array && len(vals) > 1 {
			errs.Add(f.Name, "given "+strconv.Itoa(len(vals))+" times; give it once")
			continue
		}
		if n > 0 {
			b = append(b, ',')
		}
		n++
		b = jsgenrt.AppendJSONString(b, f.Name)
		b = append(b, ':')
		if f.Array {
			b = append(b, '[')
		}
		for i, s := range vals {
			if i > 0 {
				b = append(b, ',')
			}
			var msg string
			if i := invalidUTF8At(s); i >= 0 {
				b, msg = append(b, "null"...), "invalid UTF-8 at byte "+strconv.Itoa(i)
			} else {
				b, msg = appendValue(b, f.Kind, s)
			}
			if msg != "" {
				path := f.Name
				if f.Array {
					path += "[" + strconv.Itoa(i) + "]"
				}
				errs.Add(path, msg)
			}
		}
		if f.Array {
			b = append(b, ']')
		}
	}
	checkUndeclared(&errs, v, fields)
	if err := errs.Err(); err != nil {
		return nil, err
	}
	return append(b, '}'), nil
}

// checkUndeclared reports invalid UTF-8 in the names and values of the
// parameters that fields does not declare, in name order.
func checkUndeclared(errs *jsgenrt.FieldErrors, v url.Values, fields []Field) {
	var bad []string
	for k, vals := range v {
		if !utf8.ValidString(k) {
			bad = append(bad, k)
			continue
		}
		if declared(fields, k) {
			continue
		}
		for _, s := range vals {
			if !utf8.ValidString(s) {
				bad = append(bad, k)
				break
			}
		}
	}
	slices.Sort(bad)
	for _, k := range bad {
		if !utf8.ValidString(k) {
			q := strconv.Quote(k)
			errs.Add(q[1:len(q)-1], "parameter name is not valid UTF-8")
			continue
		}
		for _, s := range v[k] {
			if i := invalidUTF8At(s); i >= 0 {
				msg := "invalid UTF-8 at byte " + strconv.Itoa(i)
				if k == "" {
					msg = "parameter with an empty name: " + msg
				}
				errs.Add(k, msg)
				break
			}
		}
	}
}

func declared(fields []Field, name string) bool {
	for _, f := range fields {
		if f.Name == name {
			return true
		}
	}
	return false
}

// invalidUTF8At returns the offset of the first byte of s that does not
// start a valid UTF-8 sequence, or -1 when s is valid UTF-8.
func invalidUTF8At(s string) int {
	for i := 0; i < len(s); {
		if s[i] < utf8.RuneSelf {
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			return i
		}
		i += size
	}
	return -1
}

// appendValue appends s as a JSON value of kind k, or returns why it cannot.
func appendValue(b []byte, k Kind, s string) ([]byte, string) {
	switch k {
	case Bool:
		v, err := strconv.ParseBool(s)
		if err != nil {
			return append(b, "null"...), "want a boolean (true, false, 1, 0, t or f), got " + strconv.Quote(short(s))
		}
		return strconv.AppendBool(b, v), ""
	case Int:
		v, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return append(b, "null"...), "want an integer, got " + strconv.Quote(short(s))
		}
		return strconv.AppendInt(b, v, 10), ""
	case Float:
		v, err := strconv.ParseFloat(s, 64)
		if err != nil || math.IsInf(v, 0) || math.IsNaN(v) {
			return append(b, "null"...), "want a number, got " + strconv.Quote(short(s))
		}
		return strconv.AppendFloat(b, v, 'g', -1, 64), ""
	default:
		return jsgenrt.AppendJSONString(b, s), ""
	}
}

func short(s string) string {
	if len(s) > 32 {
		return s[:32] + "…"
	}
	return s
}
