package jsonx

import (
	"strconv"

	jsgenrt "github.com/jsgen-dev/jsgen/runtime"
)

// Path is a JSON path built on the stack while decoding or validating: each
// nesting level declares a Path whose Parent is the enclosing one. A nil
// *Path is the root. Nothing is allocated until String (or Child, Elem) is
// called, which only happens when a violation is recorded.
type Path struct {
	Parent *Path
	// Key is an object field name or map key (when IsIndex is false).
	Key string
	// Index is an array index (when IsIndex is true).
	Index   int
	IsIndex bool
}

// String renders p as a path such as items[2].name or labels.key; keys that
// are not made of letters, digits, '_' and '-' are written as ["a.b"]. The
// root renders as "".
func (p *Path) String() string {
	if p == nil {
		return ""
	}
	return string(p.appendTo(make([]byte, 0, 32)))
}

// Child renders the path of p's member name (p may be nil, the root).
func (p *Path) Child(name string) string {
	b := p.appendTo(make([]byte, 0, 32))
	return string(appendKey(b, name, p == nil))
}

// Elem renders the path of p's element i.
func (p *Path) Elem(i int) string {
	b := p.appendTo(make([]byte, 0, 32))
	return string(appendIndex(b, i))
}

func (p *Path) appendTo(b []byte) []byte {
	if p == nil {
		return b
	}
	b = p.Parent.appendTo(b)
	if p.IsIndex {
		return appendIndex(b, p.Index)
	}
	return appendKey(b, p.Key, p.Parent == nil)
}

func appendIndex(b []byte, i int) []byte {
	b = append(b, '[')
	b = strconv.AppendInt(b, int64(i), 10)
	return append(b, ']')
}

func appendKey(b []byte, key string, root bool) []byte {
	if !plainKey(key) {
		b = append(b, '[')
		b = jsgenrt.AppendJSONString(b, key)
		return append(b, ']')
	}
	if !root {
		b = append(b, '.')
	}
	return append(b, key...)
}

// plainKey reports whether key can be written bare in a path.
func plainKey(key string) bool {
	if key == "" {
		return false
	}
	for i := 0; i < len(key); i++ {
		c := key[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}
