package wireschema

import (
	"bytes"
	"encoding/json"
	"math"
	"math/big"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/jsgen-dev/jsgen/internal/genfile"
	"github.com/jsgen-dev/jsgen/runtime"
	"github.com/jsgen-dev/jsgen/runtime/jsonx"
	"github.com/jsgen-dev/jsgen/schema/ir"
)

func chatIR(t testing.TB) *ir.Program {
	t.Helper()
	const archive = "../../testdata/golden/chat-yaml.txtar"
	return buildIR(t, archive, txtarFile(t, archive, "jsgen.yaml"))
}

func TestMessagesFiles(t *testing.T) {
	prog := chatIR(t)
	files, err := Messages(prog)
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, m := range prog.Models {
		want = append(want, m.Name)
	}
	for _, m := range prog.Messages {
		want = append(want, m.Name)
	}
	for _, u := range prog.Unions {
		want = append(want, u.Name)
	}
	slices.Sort(want)
	var got []string
	for _, f := range files {
		got = append(got, DocName(f.Path))
		if !strings.HasSuffix(f.Path, ".schema.json") || f.Path != FileName(DocName(f.Path)) {
			t.Errorf("%s: Path = %q", DocName(f.Path), f.Path)
		}
		if !bytes.HasSuffix(f.Data, []byte("}\n")) || !bytes.HasPrefix(f.Data, []byte("{\n  \"$schema\": \""+Draft+"\",\n")) {
			t.Errorf("%s: not canonical:\n%.200s", DocName(f.Path), f.Data)
		}
		if !json.Valid(f.Data) {
			t.Errorf("%s: not valid JSON", DocName(f.Path))
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("files for %v, want %v (sorted)", got, want)
	}
	again, err := Messages(prog)
	if err != nil {
		t.Fatal(err)
	}
	for i := range files {
		if !bytes.Equal(files[i].Data, again[i].Data) {
			t.Errorf("%s: two runs differ", files[i].Path)
		}
	}
}

// TestPropertyOrder checks that properties follow declaration order, not
// name order.
func TestPropertyOrder(t *testing.T) {
	prog := codecbenchIR(t)
	s, err := Schema(prog, "Post")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for p := s.Properties.Oldest(); p != nil; p = p.Next() {
		got = append(got, p.Key)
	}
	want := []string{"type"} // its own tag in ClientFrame, first as AppendJSON writes it
	for _, f := range prog.Message("Post").Fields {
		want = append(want, f.Name)
	}
	if !slices.Equal(got, want) {
		t.Errorf("properties %v, want %v", got, want)
	}
	data, err := Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	if i, j := bytes.Index(data, []byte(`"sentAt"`)), bytes.Index(data, []byte(`"sequence"`)); i < 0 || j < i {
		t.Errorf("sentAt (%d) should come before sequence (%d) in the document", i, j)
	}
}

// handIR is a small IR with recursion, a non-ASCII name, unbounded numbers
// and a short identifier bound.
func handIR() *ir.Program {
	str := &ir.Type{Kind: ir.String}
	p := &ir.Program{
		Package: "hand",
		Models:  []*ir.Model{{Name: "M", IDMaxLength: 8}},
		Messages: []*ir.Message{
			{Name: "Node", Fields: []*ir.Field{
				{Name: "name", Type: str},
				{Name: "children", Type: &ir.Type{Kind: ir.Array, Elem: &ir.Type{Kind: ir.MessageK, Name: "Node"}}, Optional: true},
				{Name: "über", Type: &ir.Type{Kind: ir.MessageK, Name: "Über"}, Optional: true},
			}},
			{Name: "Über", Fields: []*ir.Field{
				{Name: "tree", Type: &ir.Type{Kind: ir.UnionK, Name: "Tree"}, Optional: true},
			}},
			{Name: "Probe", Fields: []*ir.Field{
				{Name: "f", Type: &ir.Type{Kind: ir.Float64}, Optional: true},
				{Name: "i", Type: &ir.Type{Kind: ir.Int}, Optional: true},
				{Name: "t", Type: &ir.Type{Kind: ir.Timestamp}, Optional: true},
				{Name: "r", Type: &ir.Type{Kind: ir.Ref, Name: "M"}, Optional: true},
				{Name: "s", Type: str, Optional: true},
			}},
		},
		Unions: []*ir.Union{{Name: "Tree", Discriminator: "k", Variants: []*ir.Variant{{Tag: "node", Message: "Node"}, {Tag: "über", Message: "Über"}}}},
	}
	ir.AssignNames(p)
	return p
}

func TestRecursionAndNames(t *testing.T) {
	prog := handIR()
	files, err := Messages(prog)
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]genfile.File{}
	for _, f := range files {
		byName[DocName(f.Path)] = f
	}
	node := string(byName["Node"].Data)
	if !strings.Contains(node, `"$ref": "#"`) {
		t.Errorf("Node refers to itself other than by \"#\":\n%s", node)
	}
	if !strings.Contains(node, `"$ref": "#/$defs/%C3%9Cber"`) || !strings.Contains(node, `"Über": {`) {
		t.Errorf("Node refers to Über other than by its escaped name:\n%s", node)
	}
	schemas := compileAll(t, files)
	for name, c := range map[string]struct {
		doc  string
		want bool
	}{
		"nested":              {`{"name":"a","children":[{"name":"b","children":[]},{"name":"c","über":{"tree":{"k":"node","name":"d"}}}]}`, true},
		"nested wrong":        {`{"name":"a","children":[{"name":"b","children":[{"name":1}]}]}`, false},
		"through the union":   {`{"name":"a","über":{"tree":{"k":"über","tree":{"k":"node","name":"x"}}}}`, true},
		"union tag missing":   {`{"name":"a","über":{"tree":{"name":"x"}}}`, false},
		"own tag in Node":     {`{"k":"node","name":"a"}`, true},
		"wrong own tag":       {`{"k":"über","name":"a"}`, false},
		"own tag in Über":     {`{"k":"über"}`, true},
		"unknown under union": {`{"name":"a","über":{"tree":{"k":"node","name":"x","zz":1}}}`, false},
	} {
		schema := schemas["Node"]
		if strings.HasPrefix(c.doc, `{"k":"über"`) {
			schema = schemas["Über"]
		}
		ok, err := schemaAccepts(t, schema, []byte(c.doc))
		if ok != c.want {
			t.Errorf("%s: accepts = %v (%v), want %v", name, ok, err, c.want)
		}
	}
}

func TestUndeclaredReferences(t *testing.T) {
	for name, typ := range map[string]*ir.Type{
		"message": {Kind: ir.MessageK, Name: "Nope"},
		"union":   {Kind: ir.UnionK, Name: "Nope"},
		"model":   {Kind: ir.Ref, Name: "Nope"},
		"enum":    {Kind: ir.EnumKind, Name: "Nope"},
		"kind":    {Kind: "complex128"},
	} {
		prog := &ir.Program{Messages: []*ir.Message{{Name: "A", Fields: []*ir.Field{{Name: "x", Type: typ}}}}}
		if _, err := Messages(prog); err == nil || !strings.Contains(err.Error(), "A") {
			t.Errorf("%s: err = %v, want an error naming message A", name, err)
		}
	}
	if _, err := Schema(handIR(), "Nope"); err == nil {
		t.Error("Schema of an undeclared name: no error")
	}
}

// TestFloatLimit checks the bound of unconstrained float64 values against
// strconv.ParseFloat, which the decoder uses.
func TestFloatLimit(t *testing.T) {
	lim, ok := new(big.Int).SetString(floatLimit, 10)
	want := new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 1024), new(big.Int).Lsh(big.NewInt(1), 970))
	if !ok || lim.Cmp(want) != 0 {
		t.Fatalf("floatLimit = %s, want 2^1024 - 2^970", floatLimit)
	}
	if f, err := strconv.ParseFloat(floatLimit, 64); err == nil || !math.IsInf(f, 1) {
		t.Errorf("ParseFloat(limit) = %v, %v; want +Inf and an error", f, err)
	}
	below := new(big.Int).Sub(lim, big.NewInt(1)).String()
	if f, err := strconv.ParseFloat(below, 64); err != nil || f != math.MaxFloat64 {
		t.Errorf("ParseFloat(limit - 1) = %v, %v; want MaxFloat64", f, err)
	}
}

// TestScalarsAgainstJSONX compares the schemas of unconstrained scalars
// (which internal/codecbench does not have: its floats are bounded) and of a
// short identifier bound with what runtime/jsonx and runtime.NewRef accept.
func TestScalarsAgainstJSONX(t *testing.T) {
	prog := handIR()
	files, err := Messages(prog)
	if err != nil {
		t.Fatal(err)
	}
	probe := compileAll(t, files)["Probe"]
	g := newGenerator(prog)
	n := 0
	for _, f := range prog.Message("Probe").Fields {
		for _, c := range g.cases(f.Type, &f.Constraints, true, 0) {
			val := encode(c.val)
			goOK := jsonxAccepts(f.Type, val)
			schemaOK, schemaErr := schemaAccepts(t, probe, encode(obj{{key: f.Name, val: c.val}}))
			n++
			if goOK != schemaOK || c.want != either && goOK != (c.want == accept) {
				t.Errorf("%s %s %s: jsonx accepts = %v, schema accepts = %v (%v), built to %s", f.Name, c.label, short(val), goOK, schemaOK, schemaErr, c.want)
			}
		}
	}
	t.Logf("%d values", n)
}

// jsonxAccepts reads data as a value of the scalar type t the way generated
// decoders and validators do.
func jsonxAccepts(t *ir.Type, data []byte) bool {
	var r jsonx.Reader
	r.Reset(data)
	ok := true
	switch t.Kind {
	case ir.Float64:
		ok = jsonx.Finite(r.Float64(nil))
	case ir.Int:
		r.Int(nil)
	case ir.Timestamp:
		ok = jsonx.ValidTime(r.Timestamp(nil))
	case ir.Ref:
		ok = !jsonx.ReadRef(&r, nil, func(s string) (runtime.Ref[struct{}], error) {
			return runtime.NewRef[struct{}]("M", s, 8)
		}).IsZero()
	case ir.String:
		r.String(nil)
	default:
		panic("jsonxAccepts: " + t.String())
	}
	r.End()
	return ok && r.Err() == nil
}

// TestIdentifierPatternExhaustive checks, for every code point, that the
// identifier pattern refuses it exactly when runtime.CheckIdentifier does:
// each refused one on its own, the accepted ones in long runs (the pattern
// matches a run only if it accepts every character of it).
func TestIdentifierPatternExhaustive(t *testing.T) {
	re := regexp.MustCompile(IdentifierPattern())
	var run strings.Builder
	runStart := rune(0)
	flush := func(next rune) {
		if run.Len() > 0 && !re.MatchString(run.String()) {
			t.Errorf("the pattern refuses a character in %U..%U that CheckIdentifier accepts", runStart, next-1)
		}
		run.Reset()
		runStart = next
	}
	refused := 0
	for r := rune(0); r <= utf8.MaxRune; r++ {
		if r >= 0xD800 && r <= 0xDFFF {
			continue
		}
		if runtime.CheckIdentifier(string(r), utf8.UTFMax) == nil {
			run.WriteRune(r)
			if run.Len() >= 1<<16 {
				flush(r + 1)
			}
			continue
		}
		refused++
		if s := "a" + string(r) + "b"; re.MatchString(s) {
			t.Errorf("%U: the pattern accepts it, CheckIdentifier refuses it", r)
		}
	}
	flush(utf8.MaxRune + 1)
	if re.MatchString("") {
		t.Error("the pattern matches the empty string")
	}
	t.Logf("%d code points refused", refused)
}

func TestCanonical(t *testing.T) {
	in := `{"type":"object","$defs":{"B":{"x":1},"A":true},"properties":{"z":{"pattern":"<&>\u2028\u00ad","type":"string"},"a":{"enum":[{"type":1,"$ref":2}]}},"title":"T","x-extra":[],"$schema":"s","y":{}}`
	got, err := Canonical([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	want := `{
  "$schema": "s",
  "title": "T",
  "type": "object",
  "properties": {
    "z": {
      "type": "string",
      "pattern": "<&>\u2028\u00ad"
    },
    "a": {
      "enum": [
        {
          "type": 1,
          "$ref": 2
        }
      ]
    }
  },
  "$defs": {
    "B": {
      "x": 1
    },
    "A": true
  },
  "x-extra": [],
  "y": {}
}
`
	if string(got) != want {
		t.Errorf("Canonical =\n%s\nwant\n%s", got, want)
	}
	for _, bad := range []string{``, `{`, `{"a":1}x`, `[1,]`, `{"a" 1}`} {
		if _, err := Canonical([]byte(bad)); err == nil {
			t.Errorf("Canonical(%q): no error", bad)
		}
	}
}

// FuzzCanonical checks that Canonical keeps the value, is idempotent and
// writes only printable characters literally.
func FuzzCanonical(f *testing.F) {
	for _, s := range []string{
		`{"type":"object","properties":{"b":{"minLength":1,"type":"string"},"a":true}}`,
		`[1, "x\u0000\ud83d\ude00", null, {"oneOf":[{"const":"\u2028"}]}]`,
		`{"$defs":{"X":{"enum":[1e400,-0,0.1]}},"$ref":"#/$defs/X"}`,
		`"\ufeff<>&"`, `{}`, `[]`, `{"a":{"a":{"a":[[[]]]}}}`, `{"a":1,"a":2}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		out, err := Canonical(data)
		if !json.Valid(data) || !utf8.Valid(data) {
			return // Canonical may accept or refuse; nothing to compare
		}
		if err != nil {
			t.Fatalf("Canonical refused valid JSON: %v", err)
		}
		a, err := decodeNumbers(data)
		if err != nil {
			t.Fatal(err)
		}
		b, err := decodeNumbers(out)
		if err != nil {
			t.Fatalf("output is not JSON: %v\n%s", err, out)
		}
		if !jsonEqual(a, b) {
			t.Fatalf("value changed:\n%s\n%s", data, out)
		}
		again, err := Canonical(out)
		if err != nil || !bytes.Equal(again, out) {
			t.Fatalf("not idempotent: %v\n%s\n%s", err, out, again)
		}
		for _, r := range string(out) {
			if r != '\n' && !strconv.IsPrint(r) {
				t.Fatalf("unprintable %U written literally", r)
			}
		}
	})
}

func decodeNumbers(data []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	err := dec.Decode(&v)
	return v, err
}

func jsonEqual(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return bytes.Equal(x, y)
}

// FuzzIdentifierPattern checks the identifier pattern against
// runtime.CheckIdentifier on arbitrary valid UTF-8.
func FuzzIdentifierPattern(f *testing.F) {
	for _, s := range []string{"room-1", "a.b", "é😀", "a\u00a0b", "\U000e0001", "x\x7fy", "", "a>b", "Zürich"} {
		f.Add(s)
	}
	re := regexp.MustCompile(IdentifierPattern())
	f.Fuzz(func(t *testing.T, s string) {
		if !utf8.ValidString(s) {
			return
		}
		if got, want := re.MatchString(s), runtime.CheckIdentifier(s, len(s)+1) == nil; got != want {
			t.Fatalf("%q: pattern matches = %v, CheckIdentifier accepts = %v", s, got, want)
		}
	})
}
