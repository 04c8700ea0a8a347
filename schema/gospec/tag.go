package gospec

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// tagOption is one option of a jsgen struct tag: `key=value`, `key='value'`
// or a bare `key`. Offsets are byte offsets into the tag value the option was
// parsed from.
type tagOption struct {
	Key    string
	KeyOff int
	// HasValue is false for a bare key (a flag such as optional).
	HasValue bool
	// Value is the value as written, without the quotes when Quoted.
	Value string
	// ValOff is the offset of the first byte of the value, or of its opening
	// quote when Quoted.
	ValOff int
	Quoted bool
}

// textOff returns the offset of the first byte of Value's text (after the
// opening quote when Quoted).
func (o tagOption) textOff() int {
	if o.Quoted {
		return o.ValOff + 1
	}
	return o.ValOff
}

// tagError is a syntax error in a jsgen tag, at byte offset Off of its value.
type tagError struct {
	Off int
	Msg string
	// Seq is the backslash sequence at Off when the error is an escape a
	// Go string does not allow (see escapeHint); "" otherwise.
	Seq string
}

func (e *tagError) Error() string { return fmt.Sprintf("offset %d: %s", e.Off, e.Msg) }

// parseTag parses the value of a jsgen struct tag: options separated by
// commas, each a key, optionally followed by '=' and a value. Spaces are
// allowed before a key. A value runs to the next comma, unless it starts with
// a single quote: then it runs to the next single quote (so it may contain
// commas but no single quote) and must be followed by a comma or the end.
// A key appears at most once. The empty string has no options.
func parseTag(s string) ([]tagOption, *tagError) {
	var opts []tagOption
	seen := map[string]bool{}
	i := 0
	for i < len(s) || (i == len(s) && len(opts) > 0) {
		opt, next, err := parseOption(s, i)
		if err != nil {
			if n := len(opts); n > 0 && opts[n-1].HasValue && !opts[n-1].Quoted && err.Msg != "empty option" {
				// The comma before this option may belong to the previous
				// value, as in pattern=^[a-z]{1,3}$.
				err.Msg += fmt.Sprintf("; if the comma belongs to the value of %s, single-quote the value: %s='…'", opts[n-1].Key, opts[n-1].Key)
			}
			return nil, err
		}
		if seen[opt.Key] {
			return nil, &tagError{Off: opt.KeyOff, Msg: fmt.Sprintf("duplicate option %q", opt.Key)}
		}
		seen[opt.Key] = true
		opts = append(opts, opt)
		if next == len(s) {
			break
		}
		i = next + 1 // past the comma
	}
	return opts, nil
}

// parseOption parses the option starting at offset i of s and returns it with
// the offset just past it: len(s), or the offset of the comma ending it.
func parseOption(s string, i int) (tagOption, int, *tagError) {
	for i < len(s) && s[i] == ' ' {
		i++
	}
	if i == len(s) || s[i] == ',' {
		return tagOption{}, 0, &tagError{Off: i, Msg: "empty option"}
	}
	start := i
	for i < len(s) && isKeyByte(s[i], i == start) {
		i++
	}
	if i == start {
		r, _ := utf8.DecodeRuneInString(s[i:])
		return tagOption{}, 0, &tagError{Off: i, Msg: fmt.Sprintf("option names start with a letter, not %q", r)}
	}
	opt := tagOption{Key: s[start:i], KeyOff: start}
	switch {
	case i == len(s) || s[i] == ',':
		return opt, i, nil
	case s[i] != '=':
		r, _ := utf8.DecodeRuneInString(s[i:])
		return tagOption{}, 0, &tagError{Off: i, Msg: fmt.Sprintf("unexpected %q after option name %s (want %s=value)", r, opt.Key, opt.Key)}
	}
	i++ // '='
	opt.HasValue = true
	opt.ValOff = i
	if i < len(s) && s[i] == '\'' {
		end := strings.IndexByte(s[i+1:], '\'')
		if end < 0 {
			return tagOption{}, 0, &tagError{Off: i, Msg: "unterminated quoted value"}
		}
		opt.Quoted = true
		opt.Value = s[i+1 : i+1+end]
		i += end + 2
		if i < len(s) && s[i] != ',' {
			r, _ := utf8.DecodeRuneInString(s[i:])
			return tagOption{}, 0, &tagError{Off: i, Msg: fmt.Sprintf("unexpected %q after quoted value (want a comma)", r)}
		}
		return opt, i, nil
	}
	end := strings.IndexByte(s[i:], ',')
	if end < 0 {
		end = len(s) - i
	}
	opt.Value = s[i : i+end]
	return opt, i + end, nil
}

func isKeyByte(c byte, first bool) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z':
		return true
	case '0' <= c && c <= '9', c == '_':
		return !first
	}
	return false
}

// tagText is text decoded from a struct tag literal, with the offset in the
// literal's source (quotes included) of each byte. offs has one extra entry:
// the offset just past the text.
type tagText struct {
	text string
	offs []int
}

// off maps offset i of t.text (0 ≤ i ≤ len(text)) to an offset in the literal.
func (t tagText) off(i int) int {
	if i < 0 {
		i = 0
	}
	if i >= len(t.offs) {
		return t.offs[len(t.offs)-1]
	}
	return t.offs[i]
}

// slice returns the part [from, to) of t.
func (t tagText) slice(from, to int) tagText {
	return tagText{text: t.text[from:to], offs: t.offs[from : to+1]}
}

// decodeLiteral decodes the source of a Go string literal (raw or
// interpreted) keeping the source offset of every byte.
func decodeLiteral(src string) (tagText, error) {
	if len(src) >= 2 && src[0] == '`' && src[len(src)-1] == '`' {
		var b strings.Builder
		offs := make([]int, 0, len(src))
		for i := 1; i < len(src)-1; i++ {
			if src[i] == '\r' { // dropped from raw strings, as the compiler does
				continue
			}
			b.WriteByte(src[i])
			offs = append(offs, i)
		}
		return tagText{text: b.String(), offs: append(offs, len(src)-1)}, nil
	}
	return unquoteOffsets(src)
}

// escapeError is a backslash sequence a Go string does not allow, at byte
// offset Off of the quoted source.
type escapeError struct {
	Off int
	Seq string // the backslash and what follows it, e.g. `\d`
}

func (e *escapeError) Error() string {
	return fmt.Sprintf("%s at offset %d is not an escape a Go string allows", e.Seq, e.Off)
}

// unquoteOffsets decodes a double-quoted Go string keeping the offset in src
// of every decoded byte (all bytes of an escape map to its backslash).
func unquoteOffsets(src string) (tagText, error) {
	if len(src) < 2 || src[0] != '"' || src[len(src)-1] != '"' {
		return tagText{}, fmt.Errorf("not a quoted string: %.20q", src)
	}
	var b []byte
	var offs []int
	rest := src[1 : len(src)-1]
	for len(rest) > 0 {
		at := len(src) - 1 - len(rest)
		if rest[0] == '\n' {
			return tagText{}, fmt.Errorf("newline at offset %d", at)
		}
		r, multibyte, tail, err := strconv.UnquoteChar(rest, '"')
		if err != nil {
			if rest[0] == '\\' {
				_, size := utf8.DecodeRuneInString(rest[1:])
				return tagText{}, &escapeError{Off: at, Seq: rest[:1+size]}
			}
			return tagText{}, fmt.Errorf("bad escape at offset %d: %w", at, err)
		}
		n := len(b)
		if r < utf8.RuneSelf || !multibyte {
			b = append(b, byte(r))
		} else {
			b = utf8.AppendRune(b, r)
		}
		for range len(b) - n {
			offs = append(offs, at)
		}
		rest = tail
	}
	return tagText{text: string(b), offs: append(offs, len(src)-1)}, nil
}

// lookupTag finds key in a struct tag written with the conventional syntax
// (`key:"value" key2:"value2"`, as reflect.StructTag.Lookup reads it) and
// returns its decoded value with offsets into the literal. A malformed tag is
// an error carrying the offset where it goes wrong.
func lookupTag(tag tagText, key string) (tagText, bool, *tagError) {
	s := tag.text
	i := 0
	for {
		for i < len(s) && s[i] == ' ' {
			i++
		}
		if i == len(s) {
			return tagText{}, false, nil
		}
		start := i
		for i < len(s) && s[i] > ' ' && s[i] != ':' && s[i] != '"' && s[i] != 0x7f {
			i++
		}
		if i == start || i+1 >= len(s) || s[i] != ':' || s[i+1] != '"' {
			return tagText{}, false, &tagError{Off: i, Msg: "malformed struct tag (want key:\"value\" pairs separated by spaces)"}
		}
		name := s[start:i]
		i++ // ':'
		qstart := i
		i++ // '"'
		for i < len(s) && s[i] != '"' {
			if s[i] == '\\' {
				i++
			}
			i++
		}
		if i >= len(s) {
			return tagText{}, false, &tagError{Off: qstart, Msg: "malformed struct tag (unterminated value)"}
		}
		i++ // closing '"'
		if name != key {
			continue
		}
		val, err := unquoteOffsets(s[qstart:i])
		var esc *escapeError
		if errors.As(err, &esc) {
			return tagText{}, false, &tagError{Off: qstart + esc.Off, Seq: esc.Seq,
				Msg: fmt.Sprintf("malformed struct tag value: %s is not an escape a Go string allows", esc.Seq)}
		}
		if err != nil {
			return tagText{}, false, &tagError{Off: qstart, Msg: "malformed struct tag value: " + err.Error()}
		}
		for j := range val.offs {
			val.offs[j] = tag.off(qstart + val.offs[j])
		}
		return val, true, nil
	}
}
