package asyncapi

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/jsgen-dev/jsgen/internal/wireschema"
	"github.com/jsgen-dev/jsgen/schema/ir"
)

// The reference prefixes of a jsonschema document and of the AsyncAPI
// document's component schemas.
const (
	defsPrefix      = "#/$defs/"
	componentPrefix = "#/components/schemas/"
)

// componentSchemas returns components.schemas: every document of
// wireschema.Documents under its declaration's name, and the definitions
// they share ("<Model>Ref"), with references rewritten to point into
// components.schemas; keys sorted.
func componentSchemas(p *ir.Program) (*node, error) {
	docs, err := wireschema.Documents(p)
	if err != nil {
		return nil, fmt.Errorf("asyncapi: %w", err)
	}
	out := newMap()
	shared := map[string]*node{}
	var sharedNames []string
	for _, d := range docs {
		name := d.Name
		doc := fromValue(d.Value)
		doc.remove("$schema")
		doc.walk(boundFloats)
		defs := doc.remove("$defs")
		self := componentPrefix + pointerToken(name)
		if err := rewriteRefs(doc, self); err != nil {
			return nil, fmt.Errorf("asyncapi: the JSON Schema of %s: %w", name, err)
		}
		out.set(name, doc)
		if defs == nil {
			continue
		}
		for i, name := range defs.keys {
			def := defs.vals[i]
			if err := rewriteRefs(def, self); err != nil {
				return nil, fmt.Errorf("asyncapi: the JSON Schema of %s, definition %s: %w", name, name, err)
			}
			if prev, ok := shared[name]; ok {
				if !prev.equal(def) {
					return nil, fmt.Errorf("asyncapi: two JSON Schemas define %s differently", name)
				}
				continue
			}
			shared[name] = def
			sharedNames = append(sharedNames, name)
		}
	}
	// Definitions of declarations are the declarations' own documents; the
	// others (identifier schemas) are added once.
	for _, name := range sharedNames {
		if out.get(name) == nil {
			out.set(name, shared[name])
		}
	}
	return sortedMap(out), nil
}

// boundFloats replaces an exclusive bound too large for a float64 (jsonschema
// bounds float64 fields by the magnitude where decoding overflows, 2^1024 -
// 2^970) by the inclusive bound ±math.MaxFloat64. For consumers that read
// numbers as doubles, which AsyncAPI tools do, the two mean the same: every
// finite double passes, an overflowing number does not. And every YAML
// parser reads the replacement as a number, which some do not do with the
// 309-digit original.
func boundFloats(n *node) {
	if n.kind != mapNode {
		return
	}
	for i, k := range n.keys {
		v := n.vals[i]
		if (k != "exclusiveMaximum" && k != "exclusiveMinimum") || v.kind != litNode {
			continue
		}
		f, err := strconv.ParseFloat(v.value, 64)
		if err == nil || !math.IsInf(f, 0) {
			continue
		}
		n.keys[i] = "minimum"
		if k == "exclusiveMaximum" {
			n.keys[i] = "maximum"
		}
		n.vals[i] = lit(strconv.FormatFloat(math.Copysign(math.MaxFloat64, f), 'g', -1, 64))
	}
}

// rewriteRefs points the "$ref"s under n into components.schemas: "#" (the
// document itself) becomes self, "#/$defs/X" becomes
// "#/components/schemas/X".
func rewriteRefs(n *node, self string) error {
	var err error
	n.walk(func(m *node) {
		if m.kind != mapNode {
			return
		}
		r := m.get("$ref")
		if r == nil || r.kind != strNode {
			return
		}
		switch {
		case r.value == "#":
			r.value = self
		case strings.HasPrefix(r.value, defsPrefix):
			r.value = componentPrefix + strings.TrimPrefix(r.value, defsPrefix)
		default:
			err = fmt.Errorf("unexpected reference %q", r.value)
		}
	})
	return err
}

// fromValue returns a copy of the schema value v as a document node, keeping
// its key order.
func fromValue(v *wireschema.Value) *node {
	switch v.Kind {
	case wireschema.String:
		return str(v.Text)
	case wireschema.Literal:
		return lit(v.Text)
	case wireschema.Array:
		n := seq()
		for _, e := range v.Elems {
			n.vals = append(n.vals, fromValue(e))
		}
		return n
	}
	n := newMap()
	for i, k := range v.Keys {
		n.set(k, fromValue(v.Elems[i]))
	}
	return n
}
