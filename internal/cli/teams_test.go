package cli

import (
	"bytes"
	"path/filepath"
	"testing"

	"golang.org/x/tools/txtar"
)

// TestTeamsFormsDescribeAlike: the team game, with identifier constraints
// and a composite channel key, has the same IR (jsgen describe --json)
// written in jsgen.yaml and in annotated Go.
func TestTeamsFormsDescribeAlike(t *testing.T) {
	describeOf := func(name string) []byte {
		ar, err := txtar.ParseFile(filepath.Join(repoRoot(t), "testdata", "golden", name))
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range ar.Files {
			if f.Name == "want/describe.json" {
				return f.Data
			}
		}
		t.Fatalf("%s has no want/describe.json", name)
		return nil
	}
	y, g := describeOf("teams-yaml.txtar"), describeOf("teams-go.txtar")
	if !bytes.Equal(y, g) {
		t.Fatalf("describe --json differs between the YAML and the Go form:\n%s", lineDiff(string(y), string(g)))
	}
	for _, want := range []string{`"idValues": [`, `"idPattern": "^[a-z0-9-]+$"`, `"idMinLength": 3`, `"keyParts": [`} {
		if !bytes.Contains(y, []byte(want)) {
			t.Errorf("describe --json lacks %s", want)
		}
	}
}
