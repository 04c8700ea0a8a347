package yamlspec

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/jsgen-dev/jsgen/schema/decl"
	"github.com/jsgen-dev/jsgen/schema/diag"
	"github.com/jsgen-dev/jsgen/schema/ir"
)

// FuzzParse checks that Parse never panics or loops, always returns a spec
// or diagnostics, positions everything in the given file, and is
// deterministic; and that the checks of package ir, run on what Parse read,
// never panic either. The seed corpus (the test tables, testdata/*.yaml and the
// documents below) runs in plain go test.
func FuzzParse(f *testing.F) {
	for _, tc := range validCases {
		f.Add([]byte(tc.in))
	}
	for _, tc := range diagCases {
		f.Add([]byte(tc.in))
	}
	files, err := filepath.Glob(filepath.Join("testdata", "*.yaml"))
	if err != nil {
		f.Fatal(err)
	}
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
		f.Add(data[:len(data)/2]) // cut mid-document
	}
	for _, s := range []string{
		billionLaughs(9),
		"version: 1\nmessages:\n  M:\n    fields:\n      a: " + strings.Repeat("[", 200) + strings.Repeat("]", 200) + "\n",
		"version: 1\nmessages: {" + strings.Repeat("M: {fields: {a: string}}, ", 50) + "}\n",
		"version: 1\r\nmodels:\r  R: {fields: {a: string}}\u2028messages: {}\u0085",
		"version: !!int 1\nmodels: !!map {R: !custom {}}\n",
		"%YAML 1.1\n---\nversion: 1\n",
		"version: 1\n...\n---\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		const path = "dir/jsgen.yaml"
		spec, diags := Parse(path, data)
		if spec == nil && len(diags) == 0 {
			t.Fatal("neither a spec nor diagnostics")
		}
		for _, d := range diags {
			checkPos(t, "diagnostic "+d.Msg, d.Pos, path)
			if d.Msg == "" {
				t.Errorf("empty diagnostic message at %s", d.Pos)
			}
		}
		if spec != nil {
			checkSpec(t, spec, path)
			checkBuild(t, spec, path)
		}
		spec2, diags2 := Parse(path, data)
		if render(spec) != render(spec2) || diags.String() != diags2.String() {
			t.Fatal("Parse is not deterministic")
		}
	})
}

// billionLaughs builds the classic alias bomb: n levels of ten aliases
// each, used as a field's enum values.
func billionLaughs(n int) string {
	var b strings.Builder
	b.WriteString("version: 1\nl0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n")
	for i := 1; i <= n; i++ {
		b.WriteString("l" + itoa(i) + ": &l" + itoa(i) + " [")
		for j := range 10 {
			if j > 0 {
				b.WriteString(", ")
			}
			b.WriteString("*l" + itoa(i-1))
		}
		b.WriteString("]\n")
	}
	b.WriteString("messages:\n  M:\n    fields:\n      a: {type: enum, values: *l" + itoa(n) + "}\n")
	b.WriteString("      b: {type: enum, values: [*l" + itoa(n) + ", *l" + itoa(n) + "]}\n")
	return b.String()
}

func itoa(i int) string { return strconv.Itoa(i) }

// checkBuild runs the checks of package ir on whatever Parse could read, as
// jsgen does even when Parse reported problems: they must not panic, must
// position every diagnostic in the file, and return a program exactly when
// there is nothing to report.
func checkBuild(t *testing.T, spec *decl.Spec, path string) {
	t.Helper()
	prog, diags := ir.Build(spec)
	if (prog == nil) == (len(diags) == 0) {
		t.Fatalf("ir.Build: program %v with %d diagnostics", prog != nil, len(diags))
	}
	for _, d := range diags {
		if d.Pos.File != path || d.Pos.Line < 1 || d.Msg == "" {
			t.Errorf("ir diagnostic %q: bad position %+v", d.Msg, d.Pos)
		}
	}
}

func checkPos(t *testing.T, what string, p diag.Pos, path string) {
	t.Helper()
	if p.File != path || p.Line < 1 || p.Col < 1 {
		t.Errorf("%s: bad position %+v", what, p)
	}
}

// checkSpec checks the origins and every position of spec.
func checkSpec(t *testing.T, spec *decl.Spec, path string) {
	t.Helper()
	if spec.Origin != decl.FromYAML || spec.File != path {
		t.Errorf("spec origin %v file %q", spec.Origin, spec.File)
	}
	for _, typ := range append(append([]*decl.Type(nil), spec.Models...), spec.Messages...) {
		if typ.Origin != decl.FromYAML {
			t.Errorf("type %s origin %v", typ.Name.Name, typ.Origin)
		}
	}
	for _, u := range spec.Unions {
		if u.Origin != decl.FromYAML {
			t.Errorf("union %s origin %v", u.Name.Name, u.Origin)
		}
	}
	for _, p := range specPositions(spec) {
		checkPos(t, "spec value", p, path)
	}
}

// specPositions lists the position of every value set in spec.
func specPositions(spec *decl.Spec) []diag.Pos {
	var ps []diag.Pos
	add := func(p diag.Pos) { ps = append(ps, p) }
	lit := func(l *decl.Literal) {
		if l != nil {
			add(l.Pos)
		}
	}
	if spec.Package.Name != "" {
		add(spec.Package.Pos)
	}
	for _, t := range append(append([]*decl.Type(nil), spec.Models...), spec.Messages...) {
		add(t.Name.Pos)
		lit(t.IDMaxLength)
		lit(t.IDMinLength)
		if t.IDPattern != nil {
			add(t.IDPattern.Pos)
		}
		if t.IDValues != nil {
			add(t.IDValuesPos)
		}
		for _, v := range t.IDValues {
			add(v.Pos)
		}
		for _, f := range t.Fields {
			add(f.Name.Pos)
			add(f.Type.Pos)
			if f.GoName.Name != "" {
				add(f.GoName.Pos)
			}
			if f.EnumName.Name != "" {
				add(f.EnumName.Pos)
			}
			for _, v := range f.Values {
				add(v.Pos)
			}
			if f.Pattern != nil {
				add(f.Pattern.Pos)
			}
			for _, l := range []*decl.Literal{f.Optional, f.Default, f.MinLength, f.MaxLength, f.Min, f.Max, f.MinItems, f.MaxItems} {
				lit(l)
			}
		}
	}
	for _, u := range spec.Unions {
		add(u.Name.Pos)
		for _, s := range []*decl.String{u.Discriminator, u.Default} {
			if s != nil {
				add(s.Pos)
			}
		}
		for _, v := range u.Variants {
			add(v.Tag.Pos)
			add(v.Message.Pos)
		}
	}
	for _, c := range spec.Channels {
		add(c.Name.Pos)
		if c.KeyParts == nil {
			add(c.Key.Pos)
		}
		for _, p := range c.KeyParts {
			add(p.Model.Pos)
		}
		add(c.Message.Pos)
		if c.Prefix != nil {
			add(c.Prefix.Pos)
		}
	}
	for _, b := range spec.Events {
		add(b.Name.Pos)
		for _, tp := range b.Topics {
			add(tp.Name.Pos)
			add(tp.Payload.Pos)
		}
	}
	for _, c := range spec.Controllers {
		add(c.Name.Pos)
		if c.Prefix != nil {
			add(c.Prefix.Pos)
		}
		for _, r := range c.Routes {
			add(r.Name.Pos)
			add(r.Path.Pos)
			for _, p := range r.Params {
				add(p.Name.Pos)
				add(p.Model.Pos)
			}
			for _, id := range []*decl.Ident{r.Query, r.In} {
				if id != nil {
					add(id.Pos)
				}
			}
			for _, o := range r.Out {
				add(o.Pos)
			}
		}
	}
	return ps
}
