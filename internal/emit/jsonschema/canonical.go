package jsonschema

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"unicode"
	"unicode/utf16"

	js "github.com/invopop/jsonschema"

	"github.com/jsgen-dev/jsgen/internal/genfile"
)

// Marshal renders the schema s in canonical form: Canonical applied to its
// JSON encoding.
func Marshal(s *js.Schema) ([]byte, error) {
	raw, err := json.Marshal(s)
	if err != nil {
		return nil, fmt.Errorf("jsonschema: encoding schema: %w", err)
	}
	return Canonical(raw)
}

// Canonical re-renders the JSON Schema document data: 2-space indentation,
// "key": value, a trailing newline; the keys of every schema object in a
// fixed order (identification, annotations, type, assertions, applicators,
// then "$defs" last; keys it does not know keep their relative order after
// the known ones); the members of "properties" and the elements of arrays
// in their original order; strings with only the escapes JSON needs plus \u
// escapes for characters that are not printable (Unicode graphic characters
// and U+0020 stay literal, so '<' is not written \u003c). Numbers are kept
// as written. The result parses to the same value as data, and
// Canonical(Canonical(x)) == Canonical(x).
func Canonical(data []byte) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	n, err := readNode(dec)
	if err != nil {
		return nil, fmt.Errorf("jsonschema: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("jsonschema: data after the top-level value")
	}
	var buf bytes.Buffer
	n.write(&buf, 0, schemaCtx)
	buf.WriteByte('\n')
	return buf.Bytes(), nil
}

// node is a parsed JSON value that keeps the order of object members.
type node struct {
	kind  byte // '{', '[' or 's' (scalar)
	keys  []string
	elems []*node // object values (parallel to keys) or array elements
	text  []byte  // scalar: its JSON text
}

func readNode(dec *json.Decoder) (*node, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch v := tok.(type) {
	case json.Delim:
		n := &node{kind: byte(v)}
		for dec.More() {
			if n.kind == '{' {
				k, err := dec.Token()
				if err != nil {
					return nil, err
				}
				n.keys = append(n.keys, k.(string))
			}
			e, err := readNode(dec)
			if err != nil {
				return nil, err
			}
			n.elems = append(n.elems, e)
		}
		if _, err := dec.Token(); err != nil { // the closing delimiter
			return nil, err
		}
		return n, nil
	case string:
		return &node{kind: 's', text: appendString(nil, v)}, nil
	case json.Number:
		return &node{kind: 's', text: []byte(v)}, nil
	case bool:
		if v {
			return &node{kind: 's', text: []byte("true")}, nil
		}
		return &node{kind: 's', text: []byte("false")}, nil
	case nil:
		return &node{kind: 's', text: []byte("null")}, nil
	}
	return nil, fmt.Errorf("unexpected JSON token %v", tok)
}

// ctx says what a value is in a schema document, which decides whether its
// keys are reordered.
type ctx int

const (
	dataCtx      ctx = iota // an instance value (enum, const, default...): left alone
	schemaCtx               // a schema: keys in schemaKeyOrder
	schemaMapCtx            // a map of names to schemas (properties, $defs)
	schemaArrCtx            // an array of schemas (oneOf...)
)

// schemaKeyOrder is the order of the keys of a schema object.
var schemaKeyOrder = []string{
	"$schema", "$id", "$anchor", "$ref", "$dynamicRef",
	"title", "description", "$comment", "deprecated", "readOnly", "writeOnly",
	"type", "const", "enum", "default", "examples", "format",
	"contentEncoding", "contentMediaType", "contentSchema",
	"minLength", "maxLength", "pattern",
	"minimum", "exclusiveMinimum", "maximum", "exclusiveMaximum", "multipleOf",
	"prefixItems", "items", "contains", "minContains", "maxContains", "minItems", "maxItems", "uniqueItems",
	"propertyNames", "minProperties", "maxProperties", "properties", "patternProperties",
	"required", "dependentRequired", "dependentSchemas", "additionalProperties",
	"allOf", "anyOf", "oneOf", "not", "if", "then", "else",
	"$defs",
}

// childCtx is the context of the value of key in a schema object.
func childCtx(key string) ctx {
	switch key {
	case "properties", "patternProperties", "dependentSchemas", "$defs":
		return schemaMapCtx
	case "items", "contains", "contentSchema", "propertyNames", "additionalProperties",
		"not", "if", "then", "else", "unevaluatedItems", "unevaluatedProperties":
		return schemaCtx
	case "prefixItems", "allOf", "anyOf", "oneOf":
		return schemaArrCtx
	}
	return dataCtx
}

func keyRank(key string) int {
	if i := slices.Index(schemaKeyOrder, key); i >= 0 {
		return i
	}
	return len(schemaKeyOrder)
}

// order returns the indexes of n's members in output order.
func (n *node) order(c ctx) []int {
	idx := make([]int, len(n.keys))
	for i := range idx {
		idx[i] = i
	}
	if c == schemaCtx {
		slices.SortStableFunc(idx, func(a, b int) int { return keyRank(n.keys[a]) - keyRank(n.keys[b]) })
	}
	return idx
}

func (n *node) write(buf *bytes.Buffer, depth int, c ctx) {
	switch n.kind {
	case 's':
		buf.Write(n.text)
		return
	case '[':
		if len(n.elems) == 0 {
			buf.WriteString("[]")
			return
		}
		sub := dataCtx
		if c == schemaArrCtx {
			sub = schemaCtx
		}
		buf.WriteByte('[')
		for i, e := range n.elems {
			if i > 0 {
				buf.WriteByte(',')
			}
			newline(buf, depth+1)
			e.write(buf, depth+1, sub)
		}
		newline(buf, depth)
		buf.WriteByte(']')
		return
	}
	if len(n.keys) == 0 {
		buf.WriteString("{}")
		return
	}
	buf.WriteByte('{')
	for i, j := range n.order(c) {
		if i > 0 {
			buf.WriteByte(',')
		}
		newline(buf, depth+1)
		buf.Write(appendString(nil, n.keys[j]))
		buf.WriteString(": ")
		sub := dataCtx
		switch c {
		case schemaCtx:
			sub = childCtx(n.keys[j])
		case schemaMapCtx:
			sub = schemaCtx
		}
		n.elems[j].write(buf, depth+1, sub)
	}
	newline(buf, depth)
	buf.WriteByte('}')
}

func newline(buf *bytes.Buffer, depth int) {
	buf.WriteByte('\n')
	for range depth {
		buf.WriteString("  ")
	}
}

// appendString appends s as a JSON string: '"' and '\\' escaped, \n \r \t
// by name, and every other character that is not printable (controls,
// format characters, separators other than U+0020, unassigned code points)
// as \u escapes, in UTF-16 surrogate pairs beyond the BMP.
func appendString(b []byte, s string) []byte {
	return append(b, genfile.Quote(s, jsonEscape)...)
}

// jsonEscape is the escape of r in a JSON string, or "" when r stays
// literal: \r, and \u escapes (surrogate pairs beyond the BMP) for what is
// not printable.
func jsonEscape(r rune) string {
	switch {
	case r == '\r':
		return `\r`
	case unicode.IsPrint(r): // includes U+0020 and U+FFFD
		return ""
	case r > 0xFFFF:
		hi, lo := utf16.EncodeRune(r)
		return string(appendU(appendU(nil, hi), lo))
	}
	return string(appendU(nil, r))
}

func appendU(b []byte, r rune) []byte {
	const hex = "0123456789abcdef"
	return append(b, '\\', 'u', hex[r>>12&0xf], hex[r>>8&0xf], hex[r>>4&0xf], hex[r&0xf])
}
