package golang

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jsgen-dev/jsgen/schema/ir"
)

// compileCases are generated into packages of one temporary module, next to
// the hand-written files in testdata/run/<name> (user types for the Go form,
// and a _test.go program exercising the generated code).
var compileCases = []struct {
	name string
	prog func() *ir.Program
}{
	{"chat", chatProgram},
	{"gochat", goChatProgram},
	{"kinds", kindsProgram},
	{"wire", wireProgram},
}

// TestCompileAndRun is the real proof that the emitted code works: it writes
// the generated files with their test programs into a temporary module that
// uses this checkout of jsgen, then runs `go vet` and `go test` there.
func TestCompileAndRun(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs generated code with the go tool; skipped with -short")
	}
	rootDir := goOutput(t, "", "list", "-m", "-f", "{{.Dir}}")
	mod := t.TempDir()
	gomod := "module example.com/jsgenrun\n\ngo 1.26\n\nrequire github.com/jsgen-dev/jsgen v0.0.0\n\n" +
		"replace github.com/jsgen-dev/jsgen => " + rootDir + "\n"
	writeFile(t, filepath.Join(mod, "go.mod"), []byte(gomod))
	sum, err := os.ReadFile(filepath.Join(rootDir, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(mod, "go.sum"), sum)
	for _, c := range compileCases {
		dir := filepath.Join(mod, c.name)
		p := c.prog()
		ir.AssignNames(p)
		files, err := Generate(p)
		if err != nil {
			t.Fatalf("%s: Generate: %v", c.name, err)
		}
		for _, f := range files {
			writeFile(t, filepath.Join(dir, f.Path), f.Data)
		}
		extra, err := filepath.Glob(filepath.Join("testdata", "run", c.name, "*.go"))
		if err != nil || len(extra) == 0 {
			t.Fatalf("%s: no test program in testdata/run/%s (%v)", c.name, c.name, err)
		}
		for _, path := range extra {
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			writeFile(t, filepath.Join(dir, filepath.Base(path)), data)
		}
	}
	goOutput(t, mod, "vet", "./...")
	out := goOutput(t, mod, "test", "-count=1", "-v", "./...")
	t.Log(out)
	for _, c := range compileCases {
		if !strings.Contains(out, "ok  \texample.com/jsgenrun/"+c.name) {
			t.Errorf("package %s did not pass:\n%s", c.name, out)
		}
	}
}

func writeFile(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// goOutput runs the go tool in dir, offline, and returns its trimmed output.
func goOutput(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("go", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod -buildvcs=false", "GOPROXY=off", "GOWORK=off")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		t.Fatalf("go %s in %s: %v\n%s", strings.Join(args, " "), dir, err, out.String())
	}
	return strings.TrimSpace(out.String())
}
