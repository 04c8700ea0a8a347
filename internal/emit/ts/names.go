package ts

import (
	"bytes"

	"github.com/jsgen-dev/jsgen/schema/ir"
)

// generator writes one module.
type generator struct {
	p   *ir.Program
	buf bytes.Buffer
	// own maps a message that is a variant of exactly one union to that
	// union's discriminator and its tag: its encoder always writes them.
	own map[string]ownTag
}

type ownTag struct {
	union, disc, tag string
}

// newGenerator indexes p's union memberships (ir.Build has checked its
// TypeScript names).
func newGenerator(p *ir.Program) (*generator, error) {
	g := &generator{p: p, own: map[string]ownTag{}}
	count := map[string]int{}
	for _, u := range p.Unions {
		for _, v := range u.Variants {
			count[v.Message]++
			g.own[v.Message] = ownTag{union: u.Name, disc: u.Discriminator, tag: v.Tag}
		}
	}
	for name, n := range count {
		if n != 1 {
			delete(g.own, name)
		}
	}
	return g, nil
}

// tsRef is the TypeScript type of an identifier of the model called name.
func (g *generator) tsRef(name string) string {
	if m := g.p.Model(name); m != nil {
		return m.Names.TSRef
	}
	return ""
}
