package archtest

import (
	"bytes"
	"context"
	"encoding/json"
	"os/exec"
	"strings"
	"testing"

	"github.com/jsgen-dev/jsgen/internal/emit/asyncapi"
	"github.com/jsgen-dev/jsgen/internal/emit/golang"
	"github.com/jsgen-dev/jsgen/internal/load"
)

const module = "github.com/jsgen-dev/jsgen/"

// pkg is what go list says of one package.
type pkg struct {
	ImportPath string
	Deps       []string
}

// listDeps returns every package matched by patterns with its transitive
// (non-test) dependencies, as go list -deps computes them.
func listDeps(t *testing.T, patterns ...string) []pkg {
	t.Helper()
	cmd := exec.Command("go", append([]string{"list", "-json=ImportPath,Deps"}, patterns...)...)
	cmd.Dir = "../.."
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list %v: %v\n%s", patterns, err, stderr.String())
	}
	var pkgs []pkg
	dec := json.NewDecoder(bytes.NewReader(out))
	for dec.More() {
		var p pkg
		if err := dec.Decode(&p); err != nil {
			t.Fatalf("go list output: %v", err)
		}
		pkgs = append(pkgs, p)
	}
	if len(pkgs) == 0 {
		t.Fatalf("go list %v matched no package", patterns)
	}
	return pkgs
}

// TestSchemaImportsNoInternal checks that the public model is built on
// public packages only: nothing under schema/ depends on internal/.
func TestSchemaImportsNoInternal(t *testing.T) {
	for _, p := range listDeps(t, "./schema/...") {
		for _, d := range p.Deps {
			if strings.HasPrefix(d, module+"internal/") {
				t.Errorf("%s depends on %s: schema/ must not import internal/", p.ImportPath, d)
			}
		}
	}
}

// TestEmittersIndependent checks that no emitter depends on another: each
// reads the IR alone.
func TestEmittersIndependent(t *testing.T) {
	const emit = module + "internal/emit/"
	emitters := listDeps(t, "./internal/emit/...")
	if len(emitters) < 4 {
		t.Fatalf("found %d emitters, want golang, ts, jsonschema, asyncapi", len(emitters))
	}
	for _, p := range emitters {
		for _, d := range p.Deps {
			if strings.HasPrefix(d, emit) && d != p.ImportPath {
				t.Errorf("%s depends on %s: emitters must not import each other", p.ImportPath, d)
			}
		}
	}
}

// TestSubjectPrefixAgrees checks that the AsyncAPI document gives each
// channel family the bus subject the generated Go Bridge uses (the two
// emitters state the rule separately, as they do not import each other).
func TestSubjectPrefixAgrees(t *testing.T) {
	p, diags, err := load.Dir(context.Background(), "../../examples/chat/chatapi")
	if err != nil || len(diags) > 0 {
		t.Fatalf("load: %v %v", err, diags)
	}
	if len(p.Channels) == 0 {
		t.Fatal("the chat app declares no channels")
	}
	files, err := asyncapi.Generate(p)
	if err != nil {
		t.Fatal(err)
	}
	doc := string(files[0].Data)
	for _, c := range p.Channels {
		want := "address: \"" + golang.SubjectPrefix(p.Package, c.Name) + c.Prefix
		if !strings.Contains(doc, want) {
			t.Errorf("asyncapi.yaml has no %s for channels %s", want, c.Name)
		}
	}
}
