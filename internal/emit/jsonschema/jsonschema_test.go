package jsonschema

import (
	"context"
	"slices"
	"testing"

	"github.com/jsgen-dev/jsgen/internal/genfile"
	"github.com/jsgen-dev/jsgen/internal/load"
	"github.com/jsgen-dev/jsgen/internal/wireschema"
)

// TestGenerate checks the files of an app with controllers (the chat app):
// one document per declaration, as wireschema.Messages writes them, then
// the error frame's; an app without controllers (codecbench) has no error
// frame document.
func TestGenerate(t *testing.T) {
	for dir, wantFrame := range map[string]bool{"../../../examples/chat/chatapi": true, "../../codecbench": false} {
		p, diags, err := load.Dir(context.Background(), dir)
		if err != nil || len(diags) > 0 {
			t.Fatalf("load %s: %v %v", dir, err, diags)
		}
		files, err := Generate(p)
		if err != nil {
			t.Fatal(err)
		}
		docs, err := wireschema.Messages(p)
		if err != nil {
			t.Fatal(err)
		}
		frame := wireschema.FileName(wireschema.ErrorFrameName)
		if got := slices.ContainsFunc(files, func(f genfile.File) bool { return f.Path == frame }); got != wantFrame {
			t.Errorf("%s: error frame document present = %v, want %v", dir, got, wantFrame)
		}
		if len(files) < len(docs) || !slices.EqualFunc(files[:len(docs)], docs, func(a, b genfile.File) bool {
			return a.Path == b.Path && string(a.Data) == string(b.Data)
		}) {
			t.Errorf("%s: the declarations' documents differ from wireschema.Messages", dir)
		}
	}
}
