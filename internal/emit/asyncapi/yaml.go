package asyncapi

import (
	"bytes"
	"strconv"
	"strings"
	"unicode"

	"github.com/jsgen-dev/jsgen/internal/genfile"
)

// writeYAML writes n, a mapping, as a block-style YAML document: 2-space
// indentation, keys in order, strings plain when that is unambiguous and
// double-quoted otherwise, with every character that is not printable
// escaped.
func writeYAML(buf *bytes.Buffer, n *node) {
	e := emitter{buf: buf}
	e.mapping(n, 0, false)
}

// maxImplicitKey is the longest key, in bytes as written, that is written
// as an implicit key (YAML allows 1024 characters).
const maxImplicitKey = 1000

type emitter struct {
	buf *bytes.Buffer
}

func (e *emitter) indent(n int) {
	for range n {
		e.buf.WriteByte(' ')
	}
}

// mapping writes n's entries at indent; the first one on the current line
// when inlineFirst (after a sequence's "- ").
func (e *emitter) mapping(n *node, indent int, inlineFirst bool) {
	for i, k := range n.keys {
		if i > 0 || !inlineFirst {
			e.indent(indent)
		}
		key := scalar(k)
		if len(key) > maxImplicitKey {
			// YAML limits implicit keys to 1024 characters: write an
			// explicit one.
			e.buf.WriteString("? " + key + "\n")
			e.indent(indent)
		} else {
			e.buf.WriteString(key)
		}
		e.buf.WriteByte(':')
		e.value(n.vals[i], indent)
	}
}

// value writes a mapping value after its "key:".
func (e *emitter) value(v *node, indent int) {
	switch {
	case v.kind == mapNode && len(v.keys) > 0:
		e.buf.WriteByte('\n')
		e.mapping(v, indent+2, false)
	case v.kind == seqNode && len(v.vals) > 0:
		e.buf.WriteByte('\n')
		e.sequence(v, indent+2)
	default:
		e.buf.WriteByte(' ')
		e.buf.WriteString(inline(v))
		e.buf.WriteByte('\n')
	}
}

// sequence writes n's items at indent.
func (e *emitter) sequence(n *node, indent int) {
	for _, item := range n.vals {
		e.indent(indent)
		e.buf.WriteByte('-')
		switch {
		case item.kind == mapNode && len(item.keys) > 0:
			e.buf.WriteByte(' ')
			e.mapping(item, indent+2, true)
		case item.kind == seqNode && len(item.vals) > 0:
			e.buf.WriteByte('\n')
			e.sequence(item, indent+2)
		default:
			e.buf.WriteByte(' ')
			e.buf.WriteString(inline(item))
			e.buf.WriteByte('\n')
		}
	}
}

// inline writes a scalar or an empty collection.
func inline(v *node) string {
	switch v.kind {
	case mapNode:
		return "{}"
	case seqNode:
		return "[]"
	case litNode:
		return v.value
	}
	return scalar(v.value)
}

// reserved are plain scalars YAML 1.1 or 1.2 parsers read as something
// other than a string.
var reserved = map[string]bool{
	"true": true, "false": true, "null": true, "yes": true, "no": true,
	"on": true, "off": true, "y": true, "n": true, "~": true,
}

// scalar writes the string s: plain when it starts with a letter, '_' or
// '$', holds only letters, digits and " _$./(),'-", does not end with a
// space and is not a reserved word; double-quoted otherwise.
func scalar(s string) string {
	if plainSafe(s) {
		return s
	}
	return doubleQuoted(s)
}

func plainSafe(s string) bool {
	if s == "" || reserved[strings.ToLower(s)] || s[len(s)-1] == ' ' {
		return false
	}
	c := s[0]
	if !(c == '_' || c == '$' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
		return false
	}
	for i := 1; i < len(s); i++ {
		c := s[i]
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte(" _$./(),'-", c) >= 0
		if !ok {
			return false
		}
	}
	return true
}

// doubleQuoted writes s as a YAML double-quoted scalar, escaping '"', '\\'
// and every character that is not printable (controls, format characters,
// separators other than the ASCII space, unassigned code points).
func doubleQuoted(s string) string { return genfile.Quote(s, yamlEscape) }

// yamlEscape is the escape of r in a YAML double-quoted scalar, or "" when
// r stays literal.
func yamlEscape(r rune) string {
	switch {
	case r < 0x20 || r == 0x7f:
		return `\x` + hex(r, 2)
	case r < 0x80 || unicode.IsPrint(r):
		return ""
	case r <= 0xff:
		return `\x` + hex(r, 2)
	case r <= 0xffff:
		return `\u` + hex(r, 4)
	default:
		return `\U` + hex(r, 8)
	}
}

func hex(r rune, width int) string {
	s := strconv.FormatInt(int64(r), 16)
	return strings.Repeat("0", width-len(s)) + s
}
