package wireschema

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/jsgen-dev/jsgen/schema/ir"
)

// idIR has one message holding a Ref to each kind of constrained model.
func idIR() *ir.Program {
	models := []*ir.Model{
		{Name: "Arena", IDMinLength: 3, IDMaxLength: 8, IDPattern: "^[a-z0-9-]+$"},
		{Name: "Team", IDMaxLength: ir.DefaultIDMaxLength, IDValues: []string{"red", "blue"}},
		{Name: "Nick", IDMinLength: 4, IDMaxLength: 8},
		{Name: "Code", IDMaxLength: 6, IDPattern: "^X"},
	}
	var fields []*ir.Field
	for _, m := range models {
		fields = append(fields, &ir.Field{Name: strings.ToLower(m.Name), Type: &ir.Type{Kind: ir.Ref, Name: m.Name}, Optional: true})
	}
	p := &ir.Program{Package: "ids", Models: models, Messages: []*ir.Message{{Name: "Probe", Fields: fields}}}
	ir.AssignNames(p)
	return p
}

// TestIDConstraintsMatchTheServer: the Ref schemas refuse exactly what the
// generated constructors refuse (ir.Model.IDProblem states their rule), for
// ASCII identifiers; for others they may only be looser, in byte counts.
func TestIDConstraintsMatchTheServer(t *testing.T) {
	prog := idIR()
	files, err := Messages(prog)
	if err != nil {
		t.Fatal(err)
	}
	probe := compileAll(t, files)["Probe"]
	ids := []string{"", "a", "ab", "abc", "abcd", "abcdefgh", "abcdefghi", "a-b-c", "ABC", "a.b", "a b", "abc\n",
		"red", "blue", "green", "Red", "X", "Xyz", "Xabcde", "Xabcdef", "yX",
		"éé", "ééé", "éééé", "ab😀", "X😀", "😀😀", "Xé", "aé-b"}
	for _, m := range prog.Models {
		for _, id := range ids {
			doc, _ := json.Marshal(map[string]string{strings.ToLower(m.Name): id})
			schemaOK, _ := schemaAccepts(t, probe, doc)
			serverOK := m.IDProblem(id) == ""
			ascii := utf8.RuneCountInString(id) == len(id)
			switch {
			case schemaOK == serverOK:
			case ascii:
				t.Errorf("%s %q: schema accepts=%v, server accepts=%v", m.Name, id, schemaOK, serverOK)
			case !schemaOK:
				t.Errorf("%s %q: the schema refuses what the server accepts", m.Name, id)
			}
		}
	}
}

// FuzzIDConstraints: for any identifier, the Ref schemas of idIR agree
// with the server on ASCII identifiers and are never stricter on others.
func FuzzIDConstraints(f *testing.F) {
	for _, s := range []string{"", "abc", "ab", "red", "Xé", "éééé", "a.b", "abcdefghi", "X\u00a0"} {
		f.Add(s)
	}
	prog := idIR()
	files, err := Messages(prog)
	if err != nil {
		f.Fatal(err)
	}
	probe := compileAll(f, files)["Probe"]
	f.Fuzz(func(t *testing.T, id string) {
		if !utf8.ValidString(id) {
			return // not a JSON string; the decoder refuses it before any schema
		}
		for _, m := range prog.Models {
			doc, _ := json.Marshal(map[string]string{strings.ToLower(m.Name): id})
			schemaOK, _ := schemaAccepts(t, probe, doc)
			serverOK := m.IDProblem(id) == ""
			ascii := utf8.RuneCountInString(id) == len(id)
			if schemaOK != serverOK && (ascii || !schemaOK) {
				t.Errorf("%s %q: schema accepts=%v, server accepts=%v", m.Name, id, schemaOK, serverOK)
			}
		}
	})
}

func TestASCIIOnly(t *testing.T) {
	for p, want := range map[string]bool{
		"^[a-z0-9-]+$": true, "^(red|blue)$": true, `^\w+$`: true, "^[a-z]+": false, "[a-z]+$": false,
		"^.+$": false, "^(?i)k+$": false, "^é$": false, "^[^a]+$": false, "(?m)^a$": false, "": false,
	} {
		if got := asciiOnly(p); got != want {
			t.Errorf("asciiOnly(%q) = %v, want %v", p, got, want)
		}
	}
}
