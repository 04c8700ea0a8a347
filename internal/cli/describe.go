package cli

import (
	"fmt"
	"io"
	"strings"

	"github.com/jsgen-dev/jsgen/schema/ir"
)

// idSummary says which identifiers m's Ref accepts.
func idSummary(m *ir.Model) string {
	if m.IDValues != nil {
		return "Ref identifiers: " + strings.Join(m.IDValues, " | ")
	}
	s := fmt.Sprintf("Ref identifiers up to %d bytes", m.IDMaxLength)
	if m.IDMinLength > 1 {
		s = fmt.Sprintf("Ref identifiers of %d to %d bytes", m.IDMinLength, m.IDMaxLength)
	}
	if m.IDPattern != "" {
		s += fmt.Sprintf(" matching %q", m.IDPattern)
	}
	return s
}

// describe prints a readable summary of prog.
func describe(w io.Writer, p *ir.Program) {
	fmt.Fprintf(w, "package %s\n", p.Package)
	for _, m := range p.Models {
		fmt.Fprintf(w, "\nmodel %s (%s)\n", m.Name, idSummary(m))
		describeFields(w, m.Fields)
	}
	for _, m := range p.Messages {
		fmt.Fprintf(w, "\nmessage %s\n", m.Name)
		describeFields(w, m.Fields)
	}
	for _, e := range p.Enums {
		fmt.Fprintf(w, "\nenum %s: %s\n", e.Name, strings.Join(e.Values, " | "))
	}
	for _, u := range p.Unions {
		fmt.Fprintf(w, "\nunion %s by %q\n", u.Name, u.Discriminator)
		for _, v := range u.Variants {
			def := ""
			if v.Tag == u.DefaultTag {
				def = " (default)"
			}
			fmt.Fprintf(w, "  %-12s %s%s\n", v.Tag, v.Message, def)
		}
	}
	for _, c := range p.Channels {
		fmt.Fprintf(w, "\nchannels %s: Ref[%s] → %s", c.Name, c.Key, c.Message)
		if c.KeyParts != nil {
			var parts []string
			for _, kp := range c.KeyParts {
				parts = append(parts, kp.GoName+" Ref["+kp.Model+"]")
			}
			fmt.Fprintf(w, ", key {%s}", strings.Join(parts, "; "))
		}
		if c.Prefix != "" {
			fmt.Fprintf(w, ", prefix %q", c.Prefix)
		}
		fmt.Fprintln(w)
	}
	for _, b := range p.EventBuses {
		fmt.Fprintf(w, "\nevents %s\n", b.Name)
		for _, t := range b.Topics {
			fmt.Fprintf(w, "  %-16s %s\n", t.Name, t.Payload)
		}
	}
	for _, c := range p.Controllers {
		fmt.Fprintf(w, "\ncontroller %s\n", c.Name)
		for _, r := range c.Routes {
			fmt.Fprintf(w, "  WS %s", r.Pattern)
			for _, p := range r.Params {
				fmt.Fprintf(w, " %s=Ref[%s]", p.Name, p.Model)
			}
			if r.Query != "" {
				fmt.Fprintf(w, " query=%s", r.Query)
			}
			if r.In != nil {
				fmt.Fprintf(w, " in=%s", r.In)
			}
			var outs []string
			for _, o := range r.Out {
				outs = append(outs, o.String())
			}
			if len(outs) > 0 {
				fmt.Fprintf(w, " out=%s", strings.Join(outs, "|"))
			}
			if r.Callbacks {
				fmt.Fprintf(w, " handler=%s", ir.HandlerCallbacks)
			}
			fmt.Fprintln(w)
		}
	}
}

func describeFields(w io.Writer, fields []*ir.Field) {
	for _, f := range fields {
		var mods []string
		if f.Optional && f.Default == nil {
			mods = append(mods, "optional")
		}
		if f.Default != nil {
			mods = append(mods, "default "+string(f.Default))
		}
		c := f.Constraints
		if c.MinLength != nil {
			mods = append(mods, fmt.Sprintf("minLength %d", *c.MinLength))
		}
		if c.MaxLength != nil {
			mods = append(mods, fmt.Sprintf("maxLength %d", *c.MaxLength))
		}
		if c.Pattern != "" {
			mods = append(mods, fmt.Sprintf("pattern %q", c.Pattern))
		}
		if c.Min != nil {
			mods = append(mods, "min "+c.Min.String())
		}
		if c.Max != nil {
			mods = append(mods, "max "+c.Max.String())
		}
		if c.MinItems != nil {
			mods = append(mods, fmt.Sprintf("minItems %d", *c.MinItems))
		}
		if c.MaxItems != nil {
			mods = append(mods, fmt.Sprintf("maxItems %d", *c.MaxItems))
		}
		line := fmt.Sprintf("  %-14s %-22s %s", f.Name, f.Type, strings.Join(mods, ", "))
		fmt.Fprintln(w, strings.TrimRight(line, " "))
	}
}
