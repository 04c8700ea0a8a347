package wireschema

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	js "github.com/invopop/jsonschema"

	"github.com/jsgen-dev/jsgen/schema/yamlspec/config"
)

// TestValueOfMatchesEncoding checks that ValueOf, which converts a schema
// member by member, gives exactly what its JSON encoding parses to, for the
// schema of jsgen.yaml, every schema of every YAML golden app, and schemas
// using the members jsgen's builder leaves unset.
func TestValueOfMatchesEncoding(t *testing.T) {
	var schemas []*js.Schema
	cfg, err := config.Schema()
	if err != nil {
		t.Fatal(err)
	}
	schemas = append(schemas, cfg)
	paths, _ := filepath.Glob("../../testdata/golden/*-yaml.txtar")
	if len(paths) == 0 {
		t.Fatal("no golden apps")
	}
	for _, p := range paths {
		prog := buildIR(t, p, txtarFile(t, p, "jsgen.yaml"))
		for _, m := range prog.Messages {
			s, err := Schema(prog, m.Name)
			if err != nil {
				t.Fatal(err)
			}
			schemas = append(schemas, s)
		}
	}
	n := uint64(2)
	props := js.NewProperties()
	props.Set("a", &js.Schema{Type: "string", Examples: []any{"x", 1, 2.5, true, nil, []any{"y"}, map[string]any{"b": 1, "a": "<"}}})
	props.Set("empty", &js.Schema{})
	falseCopy := *js.FalseSchema
	schemas = append(schemas, &js.Schema{
		ID: "urn:x", Anchor: "a", Comments: "c\u2028", Title: "t", Deprecated: true, ReadOnly: true, WriteOnly: true,
		Properties: props, PatternProperties: map[string]*js.Schema{"^b": {Type: "integer", MultipleOf: "2"}, "^a": js.TrueSchema},
		AdditionalProperties: &falseCopy, MinProperties: &n, MaxProperties: &n, UniqueItems: true,
		DependentRequired: map[string][]string{"z": {"a"}, "a": {"z", "y"}}, Const: json.RawMessage(`{"k":[1,2.50]}`),
		Default: json.Number("1e400"), Enum: []any{"x", int64(3), uint64(4)}, Format: "date-time",
		PrefixItems: []*js.Schema{{Type: "string"}}, Contains: &js.Schema{Type: "null"}, MinContains: &n,
		If: &js.Schema{Required: []string{"a"}}, Then: js.TrueSchema, Else: js.FalseSchema,
		Extras: map[string]any{"x-b": "b", "x-a": []string{"1"}},
	})
	for i, s := range schemas {
		got, err := ValueOf(s)
		if err != nil {
			t.Fatalf("schema %d: %v", i, err)
		}
		raw, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		want, err := Parse(raw)
		if err != nil {
			t.Fatal(err)
		}
		if g, w := string(got.JSON()), string(want.JSON()); g != w {
			t.Errorf("schema %d: ValueOf gives\n%s\nits encoding parses to\n%s", i, g, w)
		}
	}
}

// TestValueOfRefusesUnknownValues checks that a value with no JSON form
// is an error naming where it is, not a panic.
func TestValueOfRefusesUnknownValues(t *testing.T) {
	props := js.NewProperties()
	props.Set("p", &js.Schema{Default: struct{}{}})
	_, err := ValueOf(&js.Schema{Properties: props})
	if err == nil || !strings.Contains(err.Error(), "properties: p: default: no JSON form for a value of type struct {}") {
		t.Errorf("err = %v", err)
	}
	_, err = ValueOf(&js.Schema{Minimum: "1x"})
	if err == nil || !strings.Contains(err.Error(), `minimum: invalid number "1x"`) {
		t.Errorf("err = %v", err)
	}
}
