package wireschema

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
	v, err := ValueOf(s)
	if err != nil {
		return nil, err
	}
	return v.JSON(), nil
}

// ValueOf returns the schema s as a Value in canonical order, converted
// member by member: the value its JSON encoding would parse to.
func ValueOf(s *js.Schema) (*Value, error) {
	v, err := schemaValue(s)
	if err != nil {
		return nil, fmt.Errorf("wireschema: converting schema: %w", err)
	}
	v.order(schemaCtx)
	return v, nil
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
	v, err := Parse(data)
	if err != nil {
		return nil, fmt.Errorf("wireschema: %w", err)
	}
	return v.JSON(), nil
}

// Kind is the kind of a Value.
type Kind byte

// The kinds of Value.
const (
	Object  Kind = '{' // Keys and Elems
	Array   Kind = '[' // Elems
	String  Kind = 's' // Text is the string
	Literal Kind = 'l' // Text is a JSON number (as written), true, false or null
)

// Value is a JSON Schema document, or a part of one, whose objects keep
// their members in canonical order (see Canonical): the form both the JSON
// and the YAML writers walk.
type Value struct {
	Kind  Kind
	Keys  []string // Object: member names
	Elems []*Value // Object: member values, parallel to Keys; Array: items
	Text  string   // String, Literal
}

// Get returns the value of the member key of an object, or nil.
func (v *Value) Get(key string) *Value {
	for i, k := range v.Keys {
		if k == key {
			return v.Elems[i]
		}
	}
	return nil
}

// Parse reads the JSON Schema document data into a Value in canonical
// order.
func Parse(data []byte) (*Value, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	v, err := readValue(dec)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("data after the top-level value")
	}
	v.order(schemaCtx)
	return v, nil
}

func readValue(dec *json.Decoder) (*Value, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch v := tok.(type) {
	case json.Delim:
		n := &Value{Kind: Kind(v)}
		for dec.More() {
			if n.Kind == Object {
				k, err := dec.Token()
				if err != nil {
					return nil, err
				}
				n.Keys = append(n.Keys, k.(string))
			}
			e, err := readValue(dec)
			if err != nil {
				return nil, err
			}
			n.Elems = append(n.Elems, e)
		}
		if _, err := dec.Token(); err != nil { // the closing delimiter
			return nil, err
		}
		return n, nil
	case string:
		return &Value{Kind: String, Text: v}, nil
	case json.Number:
		return &Value{Kind: Literal, Text: string(v)}, nil
	case bool:
		if v {
			return &Value{Kind: Literal, Text: "true"}, nil
		}
		return &Value{Kind: Literal, Text: "false"}, nil
	case nil:
		return &Value{Kind: Literal, Text: "null"}, nil
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

// order puts the members of every schema object under v, which is in
// context c, in canonical order.
func (v *Value) order(c ctx) {
	switch v.Kind {
	case Array:
		sub := dataCtx
		if c == schemaArrCtx {
			sub = schemaCtx
		}
		for _, e := range v.Elems {
			e.order(sub)
		}
	case Object:
		if c == schemaCtx {
			idx := make([]int, len(v.Keys))
			for i := range idx {
				idx[i] = i
			}
			slices.SortStableFunc(idx, func(a, b int) int { return keyRank(v.Keys[a]) - keyRank(v.Keys[b]) })
			keys, elems := make([]string, len(idx)), make([]*Value, len(idx))
			for i, j := range idx {
				keys[i], elems[i] = v.Keys[j], v.Elems[j]
			}
			v.Keys, v.Elems = keys, elems
		}
		for i, k := range v.Keys {
			sub := dataCtx
			switch c {
			case schemaCtx:
				sub = childCtx(k)
			case schemaMapCtx:
				sub = schemaCtx
			}
			v.Elems[i].order(sub)
		}
	}
}

// JSON writes v in canonical form, with a trailing newline.
func (v *Value) JSON() []byte {
	var buf bytes.Buffer
	v.write(&buf, 0)
	buf.WriteByte('\n')
	return buf.Bytes()
}

func (v *Value) write(buf *bytes.Buffer, depth int) {
	switch v.Kind {
	case String:
		buf.Write(appendString(nil, v.Text))
		return
	case Literal:
		buf.WriteString(v.Text)
		return
	case Array:
		if len(v.Elems) == 0 {
			buf.WriteString("[]")
			return
		}
		buf.WriteByte('[')
		for i, e := range v.Elems {
			if i > 0 {
				buf.WriteByte(',')
			}
			newline(buf, depth+1)
			e.write(buf, depth+1)
		}
		newline(buf, depth)
		buf.WriteByte(']')
		return
	}
	if len(v.Keys) == 0 {
		buf.WriteString("{}")
		return
	}
	buf.WriteByte('{')
	for i, k := range v.Keys {
		if i > 0 {
			buf.WriteByte(',')
		}
		newline(buf, depth+1)
		buf.Write(appendString(nil, k))
		buf.WriteString(": ")
		v.Elems[i].write(buf, depth+1)
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
