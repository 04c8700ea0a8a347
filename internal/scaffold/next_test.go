package scaffold

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/mod/modfile"
)

// TestNextStepsWork follows the commands the scaffolder prints, as a user
// would type them, offline against this checkout (GOPROXY=off: the module
// proxy is never asked for jsgen): a new service outside any module, then
// a service and an Init package added to an existing module without jsgen.
func TestNextStepsWork(t *testing.T) {
	if testing.Short() {
		t.Skip("builds two modules; skipped with -short")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 6*time.Minute)
	defer cancel()

	// A new service, outside any module: the go.mod it writes already pins jsgen.
	base := t.TempDir()
	var out bytes.Buffer
	if _, err := NewRoomService(ctx, Options{Dir: base, Name: "lobby", Stdout: &out}); err != nil {
		t.Fatal(err)
	}
	steps := printedSteps(t, out.String())
	if slices.ContainsFunc(steps, func(s string) bool { return strings.Contains(s, "go get") || strings.Contains(s, "go mod edit") }) {
		t.Errorf("the new go.mod pins jsgen, yet the steps add it again:\n%s", out.String())
	}
	followSteps(ctx, t, base, steps)
	if _, err := os.Stat(filepath.Join(base, "lobby", "web", "api", "client.ts")); err != nil {
		t.Errorf("the printed schema step did not write web/api/client.ts: %v\n%s", err, out.String())
	}

	// An existing module without jsgen: the steps add it as a tool.
	app := t.TempDir()
	shell(ctx, t, app, "go mod init example.com/app")
	out.Reset()
	if _, err := NewRoomService(ctx, Options{Dir: app, Name: "lobby", Stdout: &out}); err != nil {
		t.Fatal(err)
	}
	steps = printedSteps(t, out.String())
	if !slices.ContainsFunc(steps, func(s string) bool { return strings.HasPrefix(s, "go mod edit ") }) {
		t.Errorf("the steps do not add jsgen to the module:\n%s", out.String())
	}
	followSteps(ctx, t, app, steps)

	// Once the module has jsgen as a tool, Init's steps only tidy and build.
	out.Reset()
	if _, err := Init(ctx, Options{Dir: filepath.Join(app, "chatapi"), Stdout: &out}); err != nil {
		t.Fatal(err)
	}
	steps = printedSteps(t, out.String())
	if want := []string{"cd " + filepath.Join(app, "chatapi"), "go mod tidy", "go build ./..."}; !slices.Equal(steps, want) {
		t.Errorf("Init in a module with jsgen: steps %q, want %q", steps, want)
	}
	followSteps(ctx, t, app, steps)
	shell(ctx, t, app, "go tool jsgen check ./...")
}

// printedSteps returns the tab-indented commands of the scaffolder's output
// after its list of files.
func printedSteps(t *testing.T, out string) []string {
	t.Helper()
	_, next, ok := strings.Cut(out, "\nNext, ")
	if !ok {
		t.Fatalf("no Next steps in:\n%s", out)
	}
	var steps []string
	for line := range strings.Lines(next) {
		if cmd, ok := strings.CutPrefix(line, "\t"); ok {
			steps = append(steps, strings.TrimSuffix(cmd, "\n"))
		}
	}
	return steps
}

// followSteps runs steps in a shell from dir; `cd` carries over, `go run .`
// is built instead of run.
func followSteps(ctx context.Context, t *testing.T, dir string, steps []string) {
	t.Helper()
	script := strings.Join(steps, "\n")
	script = strings.ReplaceAll(script, "go run .", "go build -o "+shellQuote(filepath.Join(t.TempDir(), "svc"))+" .")
	shell(ctx, t, dir, "set -e\n"+script)
}

// shell runs a sh script in dir, offline: the module proxy and checksum
// database are off, so every module must come from the replace or the
// module cache that this checkout's own tests already use.
func shell(ctx context.Context, t *testing.T, dir, script string) {
	t.Helper()
	cmd := exec.CommandContext(ctx, "sh", "-c", script)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOPROXY=off", "GOSUMDB=off", "GOFLAGS=-mod=mod", "GOWORK=off")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("in %s:\n%s\n%v\n%s", dir, script, err, out)
	}
}

// TestPublishedSource checks the steps and go.mod for a jsgen fetched by
// version: go get -tool at that version, no replace.
func TestPublishedSource(t *testing.T) {
	src := source{Version: "v1.2.3"}
	steps := nextSteps(src, false, "lobby", "go run .")
	if want := []string{"cd lobby", "go get -tool github.com/jsgen-dev/jsgen/cmd/jsgen@v1.2.3", "go mod tidy", "go run ."}; !slices.Equal(steps, want) {
		t.Errorf("steps %q, want %q", steps, want)
	}
	dir := t.TempDir()
	var out bytes.Buffer
	if _, err := NewRoomService(context.Background(), Options{Dir: dir, Name: "lobby", Stdout: &out, source: &src}); err != nil {
		t.Fatal(err)
	}
	mf, err := modfile.Parse("go.mod", read(t, filepath.Join(dir, "lobby", "go.mod")), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(mf.Require) != 1 || mf.Require[0].Mod.String() != "github.com/jsgen-dev/jsgen@v1.2.3" || len(mf.Replace) != 0 || len(mf.Tool) != 1 || mf.Tool[0].Path != jsgenTool {
		t.Errorf("go.mod:\n%s", read(t, filepath.Join(dir, "lobby", "go.mod")))
	}
	if strings.Contains(out.String(), "checkout") {
		t.Errorf("a published jsgen is described as a checkout:\n%s", out.String())
	}
}

// TestResolveSource checks that only a version the go command fetched is
// printed as one: a binary built in a checkout carries a VCS pseudo-version
// no proxy serves, and must point at the checkout instead.
func TestResolveSource(t *testing.T) {
	root := repoRoot(t)
	thisFile := filepath.Join(root, "internal", "scaffold", "module.go")
	for _, tc := range []struct {
		name string
		bi   *debug.BuildInfo
		file string
		want source
	}{
		{"built in a checkout", &debug.BuildInfo{Main: debug.Module{Path: jsgenModule, Version: "v0.0.0-20261203114327-c601a57b1d2e+dirty"}}, thisFile, source{Dir: root}},
		{"go run in a checkout", &debug.BuildInfo{Main: debug.Module{Path: jsgenModule, Version: "(devel)"}}, thisFile, source{Dir: root}},
		{"go install at a version", &debug.BuildInfo{Main: debug.Module{Path: jsgenModule, Version: "v1.2.3", Sum: "h1:abc="}}, "github.com/jsgen-dev/jsgen@v1.2.3/internal/scaffold/module.go", source{Version: "v1.2.3"}},
		{"go tool, published", &debug.BuildInfo{Main: debug.Module{Path: "example.com/app"}, Deps: []*debug.Module{{Path: jsgenModule, Version: "v1.2.3", Sum: "h1:abc="}}}, "/mod/github.com/jsgen-dev/jsgen@v1.2.3/internal/scaffold/module.go", source{Version: "v1.2.3"}},
		{"go tool, replaced", &debug.BuildInfo{Main: debug.Module{Path: jsgenModule, Version: localVersion, Replace: &debug.Module{Path: root}}}, "/elsewhere/module.go", source{Dir: root}},
		{"trimmed paths", &debug.BuildInfo{Main: debug.Module{Path: jsgenModule, Version: "(devel)"}}, "github.com/jsgen-dev/jsgen/internal/scaffold/module.go", source{}},
	} {
		if got := resolveSource(tc.bi, tc.file); got != tc.want {
			t.Errorf("%s: %+v, want %+v", tc.name, got, tc.want)
		}
	}
	if got := nextSteps(source{}, false, ".", "go run ."); !strings.Contains(got[0], "-replace="+jsgenModule+"="+checkoutPlaceholder) {
		t.Errorf("an unknown checkout: steps %q", got)
	}
}

// TestREADMEAppCommands runs the README's app-repo commands in a new
// module, with the checkout's path for /path/to/jsgen, offline, and checks
// that the service they scaffold builds, has its client artefacts and no
// drift.
func TestREADMEAppCommands(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a module; skipped with -short")
	}
	readme := string(read(t, filepath.Join(repoRoot(t), "README.md")))
	_, after, ok := strings.Cut(readme, "In an app repo")
	if !ok {
		t.Fatal("README.md has no app-repo section")
	}
	_, block, ok := strings.Cut(after, "```sh\n")
	block, _, ok2 := strings.Cut(block, "```")
	if !ok || !ok2 || !strings.Contains(block, checkoutPlaceholder) {
		t.Fatalf("README.md's app-repo section has no sh block naming %s:\n%s", checkoutPlaceholder, after)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	app := t.TempDir()
	shell(ctx, t, app, "go mod init example.com/app")
	shell(ctx, t, app, "set -e\n"+strings.ReplaceAll(block, checkoutPlaceholder, shellQuote(repoRoot(t))))
	if _, err := os.Stat(filepath.Join(app, "web", "api", "client.ts")); err != nil {
		t.Errorf("the README's schema command wrote no web/api/client.ts: %v", err)
	}
	shell(ctx, t, app, "set -e\ngo mod tidy\ngo build ./...\ngo tool jsgen check ./...")
}
