package jsonx

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"
	"unicode/utf8"
)

// oracle decides independently of Reader whether data (already accepted by
// encoding/json.Valid) is acceptable: valid UTF-8, no lone surrogate
// escapes, nesting within MaxDepth.
func oracle(data []byte) bool {
	if !utf8.Valid(data) {
		return false
	}
	depth, inString := 0, false
	for i := 0; i < len(data); i++ {
		c := data[i]
		if inString {
			switch c {
			case '"':
				inString = false
			case '\\':
				if data[i+1] == 'u' {
					u := hexValue(data[i+2 : i+6])
					switch {
					case u >= 0xDC00 && u <= 0xDFFF:
						return false
					case u >= 0xD800 && u <= 0xDBFF:
						if i+11 >= len(data) || data[i+6] != '\\' || data[i+7] != 'u' {
							return false
						}
						lo := hexValue(data[i+8 : i+12])
						if lo < 0xDC00 || lo > 0xDFFF {
							return false
						}
						i += 6
					}
					i += 5
				} else {
					i++
				}
			}
			continue
		}
		switch c {
		case '"':
			inString = true
		case '[', '{':
			depth++
			if depth > MaxDepth {
				return false
			}
		case ']', '}':
			depth--
		}
	}
	return true
}

// readAny decodes a whole value with a Reader into the shapes
// encoding/json produces with UseNumber.
func readAny(r *Reader, p *Path) any {
	c, ok := r.next(p)
	if !ok {
		return nil
	}
	switch {
	case c == '{':
		r.Object(p)
		m := map[string]any{}
		for {
			k, ok := r.Key(p)
			if !ok {
				return m
			}
			key := string(k)
			m[key] = readAny(r, p)
		}
	case c == '[':
		r.Array(p)
		a := []any{}
		for r.More(p) {
			a = append(a, readAny(r, p))
		}
		return a
	case c == '"':
		return r.String(p)
	case c == 't' || c == 'f':
		return r.Bool(p)
	case c == 'n':
		r.Null(p)
		return nil
	default:
		start := r.pos
		r.scanNumber(p)
		return json.Number(r.data[start:r.pos])
	}
}

func FuzzReader(f *testing.F) {
	for _, s := range []string{
		`{"a":[1,2.5,-3e4,true,false,null,"x\u00e9\ud83d\ude00"],"b":{}}`, `[]`, `""`, `"\ud800"`, `01`,
		"\"\xff\"", `[[[[[[[[]]]]]]]]`, `{"a":1,"a":2}`, `1 2`, `"\u0000\n"`, "{\"k\":\"\x7f\"}",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		got := Valid(data)
		want := json.Valid(data) && oracle(data)
		if got != want {
			t.Fatalf("Valid(%q) = %v, want %v (json.Valid=%v)", data, got, want, json.Valid(data))
		}
		if !got {
			if Check(data) == nil {
				t.Fatalf("Check(%q) = nil but Valid is false", data)
			}
			return
		}
		var r Reader
		r.Reset(data)
		v := readAny(&r, nil)
		r.End()
		if err := r.Err(); err != nil {
			t.Fatalf("readAny(%q): %v", data, err)
		}
		d := json.NewDecoder(bytes.NewReader(data))
		d.UseNumber()
		var w any
		if err := d.Decode(&w); err != nil {
			t.Fatalf("encoding/json rejects %q: %v", data, err)
		}
		if !reflect.DeepEqual(v, w) {
			t.Fatalf("Reader decodes %q as %#v, encoding/json as %#v", data, v, w)
		}
	})
}
