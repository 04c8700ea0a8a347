package jsonx

import (
	"unicode/utf8"
	"unsafe"
)

// scanString scans the string whose opening quote is at r.pos, checking it,
// and leaves r.pos after the closing quote. It returns the bounds of the
// raw contents and whether they contain escapes.
func (r *Reader) scanString(p *Path) (start, end int, escaped, ok bool) {
	data := r.data
	i := r.pos + 1
	start = i
	for {
		// Fast path: plain printable ASCII.
		for i < len(data) {
			c := data[i]
			if c < 0x20 || c == '"' || c == '\\' || c >= utf8.RuneSelf {
				break
			}
			i++
		}
		if i >= len(data) {
			r.syntax(p, i, "unexpected end of JSON input in string")
			return 0, 0, false, false
		}
		switch c := data[i]; {
		case c == '"':
			r.pos = i + 1
			return start, i, escaped, true
		case c == '\\':
			n := r.checkEscape(p, i)
			if n == 0 {
				return 0, 0, false, false
			}
			escaped = true
			i += n
		case c < 0x20:
			r.syntax(p, i, "control character U+%04X in string; escape it", c)
			return 0, 0, false, false
		default:
			rr, size := utf8.DecodeRune(data[i:])
			if rr == utf8.RuneError && size == 1 {
				r.syntax(p, i, "invalid UTF-8 in string")
				return 0, 0, false, false
			}
			i += size
		}
	}
}

// checkEscape checks the escape sequence at data[i] (a backslash) and
// returns its length, or 0 after recording a syntax failure. A \u escape of
// a high surrogate must be followed by a \u escape of a low surrogate; a low
// surrogate on its own is refused.
func (r *Reader) checkEscape(p *Path, i int) int {
	data := r.data
	if i+1 >= len(data) {
		r.syntax(p, i+1, "unexpected end of JSON input in string escape")
		return 0
	}
	switch data[i+1] {
	case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
		return 2
	case 'u':
	default:
		r.syntax(p, i+1, "invalid escape %s in string", quoteChar(data[i+1]))
		return 0
	}
	u, ok := r.hex4(p, i+2)
	if !ok {
		return 0
	}
	switch {
	case u >= 0xDC00 && u <= 0xDFFF:
		r.syntax(p, i, "lone surrogate \\u%04X in string", u)
		return 0
	case u >= 0xD800 && u <= 0xDBFF:
		if i+7 >= len(data) || data[i+6] != '\\' || data[i+7] != 'u' {
			r.syntax(p, i, "lone surrogate \\u%04X in string", u)
			return 0
		}
		lo, ok := r.hex4(p, i+8)
		if !ok {
			return 0
		}
		if lo < 0xDC00 || lo > 0xDFFF {
			r.syntax(p, i, "lone surrogate \\u%04X in string", u)
			return 0
		}
		return 12
	}
	return 6
}

// hex4 parses four hex digits at data[i:].
func (r *Reader) hex4(p *Path, i int) (rune, bool) {
	if i+4 > len(r.data) {
		r.syntax(p, len(r.data), "unexpected end of JSON input in \\u escape")
		return 0, false
	}
	var v rune
	for j := i; j < i+4; j++ {
		c := r.data[j]
		var d byte
		switch {
		case c >= '0' && c <= '9':
			d = c - '0'
		case c >= 'a' && c <= 'f':
			d = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			d = c - 'A' + 10
		default:
			r.syntax(p, j, "invalid character %s in \\u escape", quoteChar(c))
			return 0, false
		}
		v = v<<4 | rune(d)
	}
	return v, true
}

// unescape appends the unescaped form of raw (string contents already
// checked by scanString) to b.
func unescape(b, raw []byte) []byte {
	for i := 0; i < len(raw); {
		c := raw[i]
		if c != '\\' {
			j := i + 1
			for j < len(raw) && raw[j] != '\\' {
				j++
			}
			b = append(b, raw[i:j]...)
			i = j
			continue
		}
		switch raw[i+1] {
		case 'b':
			b = append(b, '\b')
		case 'f':
			b = append(b, '\f')
		case 'n':
			b = append(b, '\n')
		case 'r':
			b = append(b, '\r')
		case 't':
			b = append(b, '\t')
		case 'u':
			u := hexValue(raw[i+2 : i+6])
			if u >= 0xD800 && u <= 0xDBFF {
				lo := hexValue(raw[i+8 : i+12])
				u = 0x10000 + (u-0xD800)<<10 + (lo - 0xDC00)
				i += 6
			}
			b = utf8.AppendRune(b, u)
			i += 6
			continue
		default: // '"', '\\', '/'
			b = append(b, raw[i+1])
		}
		i += 2
	}
	return b
}

func hexValue(h []byte) rune {
	var v rune
	for _, c := range h {
		switch {
		case c >= '0' && c <= '9':
			v = v<<4 | rune(c-'0')
		case c >= 'a' && c <= 'f':
			v = v<<4 | rune(c-'a'+10)
		default:
			v = v<<4 | rune(c-'A'+10)
		}
	}
	return v
}

// stringBytes reads the string at r.pos and returns its unescaped bytes,
// pointing into the input or into r.scratch.
func (r *Reader) stringBytes(p *Path) ([]byte, bool) {
	start, end, escaped, ok := r.scanString(p)
	if !ok {
		return nil, false
	}
	if !escaped {
		return r.data[start:end], true
	}
	r.scratch = unescape(r.scratch[:0], r.data[start:end])
	return r.scratch, true
}

// readString reads a string at p, or records a mismatch naming want.
func (r *Reader) readString(p *Path, want string) (string, bool) {
	c, ok := r.next(p)
	if !ok {
		return "", false
	}
	if c != '"' {
		r.mismatch(p, want, c)
		return "", false
	}
	start, end, escaped, ok := r.scanString(p)
	if !ok {
		return "", false
	}
	if escaped {
		r.scratch = unescape(r.scratch[:0], r.data[start:end])
		return string(r.scratch), true
	}
	if r.borrow && end > start {
		return unsafe.String(&r.data[start], end-start), true
	}
	return string(r.data[start:end]), true
}

// String reads a string at p. The result is the only allocation.
func (r *Reader) String(p *Path) string {
	s, _ := r.readString(p, "string")
	return s
}

// StringBytes reads a string at p and returns its unescaped bytes without
// allocating; they are valid only until the next call on r.
func (r *Reader) StringBytes(p *Path) ([]byte, bool) {
	c, ok := r.next(p)
	if !ok {
		return nil, false
	}
	if c != '"' {
		r.mismatch(p, "string", c)
		return nil, false
	}
	return r.stringBytes(p)
}
