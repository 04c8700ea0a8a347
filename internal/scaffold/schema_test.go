package scaffold

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	sv "github.com/santhosh-tekuri/jsonschema/v6"
	"go.yaml.in/yaml/v3"
)

// TestScaffoldedConfigValidates validates both scaffolded jsgen.yaml forms
// (a new service's and Init's) against the repository's jsgen.yaml schema,
// the one their yaml-language-server comment points editors at.
func TestScaffoldedConfigValidates(t *testing.T) {
	schemaPath := filepath.Join(repoRoot(t), "schema", "yamlspec", "jsgen.schema.json")
	data, err := os.ReadFile(schemaPath)
	if errors.Is(err, fs.ErrNotExist) {
		t.Skipf("%s is not in this checkout", schemaPath)
	} else if err != nil {
		t.Fatal(err)
	}
	doc, err := sv.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	c := sv.NewCompiler()
	if err := c.AddResource(SchemaURL, doc); err != nil {
		t.Fatal(err)
	}
	schema, err := c.Compile(SchemaURL)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if _, err := NewRoomService(context.Background(), Options{Dir: dir, Name: "game-rooms"}); err != nil {
		t.Fatal(err)
	}
	if _, err := Init(context.Background(), Options{Dir: filepath.Join(dir, "game-rooms", "chatapi")}); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{filepath.Join(dir, "game-rooms", "api", "jsgen.yaml"), filepath.Join(dir, "game-rooms", "chatapi", "jsgen.yaml")} {
		var v any
		if err := yaml.Unmarshal(read(t, p), &v); err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		js, err := json.Marshal(v)
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		inst, err := sv.UnmarshalJSON(bytes.NewReader(js))
		if err != nil {
			t.Fatal(err)
		}
		if err := schema.Validate(inst); err != nil {
			t.Errorf("%s does not validate against %s: %v", p, schemaPath, err)
		}
	}
}
