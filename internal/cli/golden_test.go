package cli

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/tools/txtar"
)

var update = flag.Bool("update", false, "rewrite the want/ sections of testdata/golden and testdata/diagnostics cases")

// A case is a txtar archive: the comment says what it is about; files not
// under want/ are the input (jsgen.yaml, Go files); want/ holds what jsgen
// must produce: the generated files, want/describe.json (the IR), and for
// failing cases want/stderr and want/exit. Input *_test.go files are run
// with go test against the generated code.
//
// Rewrite expectations with: go test ./internal/cli -run 'TestGolden|TestDiagnostics' -update

// Golden cases must generate (exit 0); diagnostics cases must be refused
// as bad input (exit 2). An internal error (exit 3) is never an expectation.
func TestGolden(t *testing.T)      { runCases(t, "golden", ExitOK) }
func TestDiagnostics(t *testing.T) { runCases(t, "diagnostics", ExitBadInput) }

func runCases(t *testing.T, dir string, wantCode int) {
	paths, err := filepath.Glob(filepath.Join(repoRoot(t), "testdata", dir, "*.txtar"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no cases in testdata/%s (%v)", dir, err)
	}
	for _, p := range paths {
		t.Run(strings.TrimSuffix(filepath.Base(p), ".txtar"), func(t *testing.T) { runCase(t, p, wantCode) })
	}
}

func repoRoot(t testing.TB) string {
	t.Helper()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	return root
}

// materialize writes the case's input files into a new temporary directory
// and returns it. Go inputs get a go.mod that points jsgen at this checkout.
func materialize(t testing.TB, ar *txtar.Archive) string {
	t.Helper()
	dir := t.TempDir()
	hasGo, hasMod := false, false
	for _, f := range ar.Files {
		if strings.HasPrefix(f.Name, "want/") {
			continue
		}
		hasGo = hasGo || strings.HasSuffix(f.Name, ".go")
		hasMod = hasMod || f.Name == "go.mod"
		writeFile(t, filepath.Join(dir, f.Name), f.Data)
	}
	if hasGo && !hasMod {
		writeTempModule(t, dir)
	}
	return dir
}

// writeTempModule makes dir a module that requires jsgen from this checkout.
func writeTempModule(t testing.TB, dir string) {
	t.Helper()
	root := repoRoot(t)
	mod := fmt.Sprintf("module example.com/app\n\ngo 1.26\n\nrequire github.com/jsgen-dev/jsgen v0.0.0\n\nreplace github.com/jsgen-dev/jsgen => %s\n", root)
	writeFile(t, filepath.Join(dir, "go.mod"), []byte(mod))
	sum, err := os.ReadFile(filepath.Join(root, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "go.sum"), sum)
	cmd := exec.Command("go", "mod", "tidy")
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go mod tidy in %s: %v\n%s", dir, err, out)
	}
}

func writeFile(t testing.TB, path string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// run runs the jsgen command in-process and returns exit code and output
// with the temporary directory scrubbed out of paths.
func run(dir string, args ...string) (code int, stdout, stderr string) {
	var out, errb bytes.Buffer
	code = Main(args, &out, &errb)
	scrub := func(s string) string {
		s = strings.ReplaceAll(s, dir+string(filepath.Separator), "")
		return strings.ReplaceAll(s, dir, ".")
	}
	return code, scrub(out.String()), scrub(errb.String())
}

func runCase(t *testing.T, path string, wantCode int) {
	ar, err := txtar.ParseFile(path)
	if err != nil {
		t.Fatal(err)
	}
	dir := materialize(t, ar)
	got := map[string][]byte{}
	code, _, stderr := run(dir, "generate", dir)
	if code != wantCode {
		t.Fatalf("generate: exit %d, want %d\n%s", code, wantCode, stderr)
	}
	if stderr != "" {
		got["want/stderr"] = []byte(stderr)
	}
	if code != ExitOK {
		got["want/exit"] = []byte(strconv.Itoa(code) + "\n")
	} else {
		outs, _ := filepath.Glob(filepath.Join(dir, "*.jsgen.go"))
		for _, o := range outs {
			data, err := os.ReadFile(o)
			if err != nil {
				t.Fatal(err)
			}
			got["want/"+filepath.Base(o)] = data
		}
		_, ir, stderr := run(dir, "describe", "--json", dir)
		if stderr != "" {
			t.Fatalf("describe: %s", stderr)
		}
		got["want/describe.json"] = []byte(ir)
	}
	compareOrUpdate(t, path, ar, got)
	if code != ExitOK {
		return
	}
	checkNamesFromIR(t, dir, got)
	// Generating again changes nothing: check agrees, exit 0.
	if code, diff, stderr := run(dir, "check", dir); code != ExitOK {
		t.Fatalf("check after generate: exit %d\n%s%s", code, stderr, diff)
	}
	if testing.Short() {
		return
	}
	buildGenerated(t, dir)
}

// compareOrUpdate compares got with the want/ sections of ar, or rewrites
// the archive with -update.
func compareOrUpdate(t *testing.T, path string, ar *txtar.Archive, got map[string][]byte) {
	t.Helper()
	want := map[string][]byte{}
	var inputs []txtar.File
	for _, f := range ar.Files {
		if strings.HasPrefix(f.Name, "want/") {
			want[f.Name] = f.Data
		} else {
			inputs = append(inputs, f)
		}
	}
	if *update {
		names := make([]string, 0, len(got))
		for n := range got {
			names = append(names, n)
		}
		slices.Sort(names)
		ar.Files = inputs
		for _, n := range names {
			ar.Files = append(ar.Files, txtar.File{Name: n, Data: got[n]})
		}
		if err := os.WriteFile(path, txtar.Format(ar), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	for name, data := range got {
		w, ok := want[name]
		switch {
		case !ok:
			t.Errorf("%s: jsgen produced it but the case has no such section:\n%s", name, data)
		case !bytes.Equal(w, data):
			t.Errorf("%s differs (-want +got):\n%s", name, lineDiff(string(w), string(data)))
		}
	}
	for name := range want {
		if _, ok := got[name]; !ok {
			t.Errorf("%s: the case expects it but jsgen did not produce it", name)
		}
	}
	if t.Failed() {
		t.Log("if the new output is right, rewrite with: go test ./internal/cli -run 'TestGolden|TestDiagnostics' -update")
	}
}

func lineDiff(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	var out strings.Builder
	for i := 0; i < max(len(al), len(bl)); i++ {
		var x, y string
		if i < len(al) {
			x = al[i]
		}
		if i < len(bl) {
			y = bl[i]
		}
		if x != y {
			fmt.Fprintf(&out, "line %d:\n-%s\n+%s\n", i+1, x, y)
		}
	}
	return out.String()
}

// buildGenerated proves the generated code compiles and is vet-clean: the
// case directory becomes a module that uses jsgen from this checkout.
func buildGenerated(t *testing.T, dir string) {
	t.Helper()
	if _, err := os.Stat(filepath.Join(dir, "go.mod")); err != nil {
		writeTempModule(t, dir)
	}
	steps := [][]string{{"vet", "./..."}, {"build", "./..."}}
	if tests, _ := filepath.Glob(filepath.Join(dir, "*_test.go")); len(tests) > 0 {
		steps = append(steps, []string{"test", "-count=1", "./..."})
	}
	for _, args := range steps {
		cmd := exec.Command("go", args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("go %s in the generated module: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
}
