package gospec

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/jsgen-dev/jsgen/schema/ir"
	"github.com/jsgen-dev/jsgen/schema/yamlspec"
)

// TestChatMatchesYAML checks the contract between the two front-ends: the
// chat app written as annotated Go (testdata/chat) and as jsgen.yaml (the
// YAML front-end's testdata) build the same IR.
func TestChatMatchesYAML(t *testing.T) {
	t.Parallel()
	dir := writeModule(t, chatFiles(t))
	goSpec, diags := load(t, dir)
	if diags != "" {
		t.Fatalf("Go diagnostics:\n%s", diags)
	}
	yamlPath := filepath.Join("..", "yamlspec", "testdata", "chat.yaml")
	data, err := os.ReadFile(yamlPath)
	if err != nil {
		t.Fatal(err)
	}
	yamlSpec, ydiags := yamlspec.Parse(yamlPath, data)
	if len(ydiags) > 0 {
		t.Fatalf("YAML diagnostics:\n%s", ydiags)
	}
	fromGo, gd := ir.Build(goSpec)
	fromYAML, yd := ir.Build(yamlSpec)
	if len(gd) > 0 || len(yd) > 0 {
		t.Fatalf("IR diagnostics:\nGo:\n%s\nYAML:\n%s", relDiags(gd, dir), yd)
	}
	g, err := json.MarshalIndent(fromGo, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	y, err := json.MarshalIndent(fromYAML, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(y), string(g)); diff != "" {
		t.Errorf("IR differs (-yaml +go):\n%s", diff)
	}
}
