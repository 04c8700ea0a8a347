package wireschema

import (
	"bytes"
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	sv "github.com/santhosh-tekuri/jsonschema/v6"
	"go.yaml.in/yaml/v3"
	"golang.org/x/tools/txtar"
)

// configPath is the committed jsgen.schema.json, from this directory.
var configPath = filepath.Join("..", "..", "schema", "yamlspec", ConfigFileName)

// TestConfigSchemaCommitted checks that jsgen.schema.json is what
// ConfigSchema generates; -update rewrites it.
func TestConfigSchemaCommitted(t *testing.T) {
	got, err := ConfigSchema()
	if err != nil {
		t.Fatal(err)
	}
	if *update {
		if err := os.WriteFile(configPath, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(configPath)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s is stale (run go test -update):\n%s", ConfigFileName, firstDiff(want, got))
	}
}

// compileConfigSchema compiles the committed jsgen.schema.json.
func compileConfigSchema(t *testing.T) *sv.Schema {
	t.Helper()
	data, err := os.ReadFile(configPath)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := sv.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	c := sv.NewCompiler()
	if err := c.AddResource(schemaURL(ConfigFileName), doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile(schemaURL(ConfigFileName))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// yamlInstance converts a YAML document to the JSON value the validator
// checks.
func yamlInstance(t *testing.T, data []byte) any {
	t.Helper()
	var v any
	if err := yaml.Unmarshal(data, &v); err != nil {
		t.Fatal(err)
	}
	j, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	inst, err := sv.UnmarshalJSON(bytes.NewReader(j))
	if err != nil {
		t.Fatal(err)
	}
	return inst
}

// committedConfigs returns every jsgen.yaml of the repository: the files git
// tracks, and the jsgen.yaml sections of testdata/golden/*.txtar.
func committedConfigs(t *testing.T) map[string][]byte {
	t.Helper()
	const root = "../.."
	out := map[string][]byte{}
	for _, p := range trackedConfigs(t, root) {
		data, err := os.ReadFile(filepath.Join(root, p))
		if err != nil {
			t.Fatal(err)
		}
		out[p] = data
	}
	archives, err := filepath.Glob(filepath.Join(root, "testdata", "golden", "*.txtar"))
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range archives {
		ar, err := txtar.ParseFile(a)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range ar.Files {
			if f.Name == "jsgen.yaml" || strings.HasSuffix(f.Name, "/jsgen.yaml") {
				out[filepath.Base(a)+":"+f.Name] = f.Data
			}
		}
	}
	return out
}

// trackedConfigs lists the jsgen.yaml files git tracks under root, or,
// outside a git checkout (a source archive), every jsgen.yaml under root.
func trackedConfigs(t *testing.T, root string) []string {
	t.Helper()
	cmd := exec.Command("git", "ls-files", "*jsgen.yaml")
	cmd.Dir = root
	if list, err := cmd.Output(); err == nil {
		return strings.Fields(string(list))
	}
	var out []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		switch {
		case err != nil:
			return err
		case d.IsDir() && p != root && strings.HasPrefix(d.Name(), "."):
			return filepath.SkipDir
		case !d.IsDir() && d.Name() == "jsgen.yaml":
			rel, err := filepath.Rel(root, p)
			out = append(out, rel)
			return err
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestCommittedConfigsValidate validates every committed jsgen.yaml against
// jsgen.schema.json.
func TestCommittedConfigsValidate(t *testing.T) {
	s := compileConfigSchema(t)
	configs := committedConfigs(t)
	if len(configs) < 2 {
		t.Fatalf("found only %d jsgen.yaml files: %v", len(configs), slices.Collect(mapsKeys(configs)))
	}
	for name, data := range configs {
		if err := s.Validate(yamlInstance(t, data)); err != nil {
			t.Errorf("%s does not validate: %v", name, err)
		}
	}
	t.Logf("validated %d files", len(configs))
}

func mapsKeys[V any](m map[string]V) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// TestConfigSchemaRefuses checks that the schema is not vacuous: documents
// that jsgen refuses for their shape are refused by the schema too.
func TestConfigSchemaRefuses(t *testing.T) {
	s := compileConfigSchema(t)
	for name, doc := range map[string]string{
		"no version":             "package: x\n",
		"version 2":              "version: 2\n",
		"unknown top-level key":  "version: 1\nmodel: {}\n",
		"unknown model key":      "version: 1\nmodels: {Room: {idMaxLen: 3}}\n",
		"idMaxLength 0":          "version: 1\nmodels: {Room: {idMaxLength: 0}}\n",
		"unexported model name":  "version: 1\nmodels: {room: {}}\n",
		"unknown field key":      "version: 1\nmessages: {M: {fields: {a: {type: string, maxLen: 3}}}}\n",
		"field without type":     "version: 1\nmessages: {M: {fields: {a: {optional: true}}}}\n",
		"field as a list":        "version: 1\nmessages: {M: {fields: {a: [string]}}}\n",
		"negative maxLength":     "version: 1\nmessages: {M: {fields: {a: {type: string, maxLength: -1}}}}\n",
		"optional not a bool":    "version: 1\nmessages: {M: {fields: {a: {type: string, optional: maybe}}}}\n",
		"empty enum values":      "version: 1\nmessages: {M: {fields: {a: {type: enum, values: []}}}}\n",
		"duplicate enum values":  "version: 1\nmessages: {M: {fields: {a: {type: enum, values: [x, x]}}}}\n",
		"union without variants": "version: 1\nunions: {U: {variants: {}}}\n",
		"channel without key":    "version: 1\nchannels: {C: {message: M}}\n",
		"bad channel prefix":     "version: 1\nchannels: {C: {key: R, message: M, prefix: 'a b'}}\n",
		"bad topic name":         "version: 1\nevents: {B: {topics: {room..x: M}}}\n",
		"route without path":     "version: 1\ncontrollers: {C: {routes: {r: {in: M}}}}\n",
		"out not a name":         "version: 1\ncontrollers: {C: {routes: {r: {path: /r, out: {a: b}}}}}\n",
	} {
		if err := s.Validate(yamlInstance(t, []byte(doc))); err == nil {
			t.Errorf("%s: the schema accepts\n%s", name, doc)
		}
	}
	ok := "version: 1\nmodels: {Room: {idMaxLength: 64, fields: {name: string}}}\n" +
		"messages: {M: {fields: {a: {type: string, default: x}, b: '[]Room', c: {type: int, min: 0, max: 5}}}}\n" +
		"unions: {U: {discriminator: kind, default: m, variants: {m: M}}}\n" +
		"events: {B: {topics: {room.message: M}}}\n" +
		"controllers: {C: {prefix: /c, routes: {r: {path: '/r/:id', params: {id: Room}, out: M}}}}\n"
	if err := s.Validate(yamlInstance(t, []byte(ok))); err != nil {
		t.Errorf("a valid document is refused: %v", err)
	}
}

// TestConfigSchemaHasEveryKey reads the allowed-key tables of schema/yamlspec
// from its source and checks that each level of the schema has exactly those
// keys.
func TestConfigSchemaHasEveryKey(t *testing.T) {
	tables := yamlspecKeyTables(t)
	var schema map[string]any
	data, err := os.ReadFile(configPath)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &schema); err != nil {
		t.Fatal(err)
	}
	defs, _ := schema["$defs"].(map[string]any)
	def := func(name string) map[string]any {
		d, _ := defs[name].(map[string]any)
		if d == nil {
			t.Fatalf("the schema has no $defs/%s", name)
		}
		return d
	}
	// Where each table's keys are in the schema.
	levels := map[string]map[string]any{
		"topKeys":        schema,
		"modelKeys":      def("Model"),
		"messageKeys":    def("Message"),
		"fieldKeys":      def("Field")["oneOf"].([]any)[1].(map[string]any),
		"unionKeys":      def("Union"),
		"channelKeys":    def("Channel"),
		"eventKeys":      def("EventBus"),
		"controllerKeys": def("Controller"),
		"routeKeys":      def("Route"),
		"authKeys":       def("Auth"),
	}
	for table, keys := range tables {
		level, ok := levels[table]
		if !ok {
			t.Errorf("yamlspec has a key table %s that this test does not map to the schema", table)
			continue
		}
		props, _ := level["properties"].(map[string]any)
		var got []string
		for k := range props {
			got = append(got, k)
		}
		want := slices.Clone(keys)
		slices.Sort(got)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("%s: yamlspec allows %v, the schema has %v", table, want, got)
		}
		if level["additionalProperties"] != false {
			t.Errorf("%s: the schema does not refuse other keys", table)
		}
	}
	for table := range levels {
		if _, ok := tables[table]; !ok {
			t.Errorf("yamlspec has no key table %s any more", table)
		}
	}
}

// yamlspecKeyTables parses schema/yamlspec's source and returns its
// package-level []string variables named *Keys.
func yamlspecKeyTables(t *testing.T) map[string][]string {
	t.Helper()
	pkgs, err := parser.ParseDir(token.NewFileSet(), "../../schema/yamlspec", func(fi os.FileInfo) bool {
		return !strings.HasSuffix(fi.Name(), "_test.go")
	}, 0)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]string{}
	for _, pkg := range pkgs {
		for _, f := range pkg.Files {
			for _, d := range f.Decls {
				gd, ok := d.(*ast.GenDecl)
				if !ok || gd.Tok != token.VAR {
					continue
				}
				for _, spec := range gd.Specs {
					vs := spec.(*ast.ValueSpec)
					for i, n := range vs.Names {
						if !strings.HasSuffix(n.Name, "Keys") || i >= len(vs.Values) {
							continue
						}
						lit, ok := vs.Values[i].(*ast.CompositeLit)
						if !ok {
							continue
						}
						for _, e := range lit.Elts {
							bl, ok := e.(*ast.BasicLit)
							if !ok || bl.Kind != token.STRING {
								t.Fatalf("%s: element %v is not a string literal", n.Name, e)
							}
							s, err := strconv.Unquote(bl.Value)
							if err != nil {
								t.Fatal(err)
							}
							out[n.Name] = append(out[n.Name], s)
						}
					}
				}
			}
		}
	}
	if len(out) == 0 {
		t.Fatal("found no key tables in schema/yamlspec")
	}
	return out
}
