package cli

import (
	"bytes"
	"path/filepath"
	"testing"

	"golang.org/x/tools/txtar"
)

// TestTeamsDescribesIDConstraints: the team game's IR (jsgen describe
// --json) carries its identifier constraints and composite channel key.
// TestGoldenFormsDescribeAlike checks that both forms describe it alike.
func TestTeamsDescribesIDConstraints(t *testing.T) {
	ar, err := txtar.ParseFile(filepath.Join(repoRoot(t), "testdata", "golden", "teams-yaml.txtar"))
	if err != nil {
		t.Fatal(err)
	}
	var y []byte
	for _, f := range ar.Files {
		if f.Name == "want/describe.json" {
			y = f.Data
		}
	}
	for _, want := range []string{`"idValues": [`, `"idPattern": "^[a-z0-9-]+$"`, `"idMinLength": 3`, `"keyParts": [`} {
		if !bytes.Contains(y, []byte(want)) {
			t.Errorf("describe --json lacks %s", want)
		}
	}
}
