package templates

import (
	"io/fs"
	"slices"
	"testing"
	"text/template"
)

// TestNamesListTheEmbeddedFiles keeps Names and the embedded files equal,
// and checks that every template parses.
func TestNamesListTheEmbeddedFiles(t *testing.T) {
	embedded, err := fs.Glob(FS(), "*")
	if err != nil {
		t.Fatal(err)
	}
	names := slices.Sorted(slices.Values(Names()))
	if !slices.Equal(embedded, names) {
		t.Errorf("embedded %v, Names %v", embedded, names)
	}
	for _, n := range Names() {
		if _, err := template.ParseFS(FS(), n); err != nil {
			t.Errorf("%s: %v", n, err)
		}
	}
}
