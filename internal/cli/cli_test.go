package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jsgen-dev/jsgen/internal/genfile"
)

const smallSpec = `version: 1
package: small
models:
  Room: {fields: {name: {type: string, maxLength: 10}}}
`

func TestGenerateCheckLifecycle(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "jsgen.yaml"), []byte(smallSpec))

	// Missing output: check reports drift (exit 1) with a diff creating the file.
	code, diff, stderr := run(dir, "check", dir)
	if code != ExitDrift || !strings.Contains(diff, "+++ b/") || !strings.Contains(stderr, "out of date") {
		t.Fatalf("check before generate: exit %d\nstdout:\n%s\nstderr:\n%s", code, diff, stderr)
	}
	if code, _, stderr := run(dir, "generate", dir); code != ExitOK {
		t.Fatalf("generate: exit %d: %s", code, stderr)
	}
	out := filepath.Join(dir, "types.jsgen.go")
	info, err := os.Stat(out)
	if err != nil {
		t.Fatal(err)
	}
	if code, diff, _ := run(dir, "check", dir); code != ExitOK || diff != "" {
		t.Fatalf("check after generate: exit %d\n%s", code, diff)
	}

	// Generating again does not rewrite an unchanged file.
	if code, _, _ := run(dir, "generate", dir); code != ExitOK {
		t.Fatal("second generate failed")
	}
	again, _ := os.Stat(out)
	if !again.ModTime().Equal(info.ModTime()) {
		t.Error("an unchanged file was rewritten")
	}

	// A hand edit is drift, shown as a diff, and generate restores it.
	data, _ := os.ReadFile(out)
	writeFile(t, out, []byte(strings.Replace(string(data), "at most 10", "at most 11", 1)))
	if code, diff, _ := run(dir, "check", dir); code != ExitDrift || !strings.Contains(diff, "-") {
		t.Fatalf("check after a hand edit: exit %d\n%s", code, diff)
	}

	// A stale owned file is removed; a hand-written one is kept.
	stale := filepath.Join(dir, "old.jsgen.go")
	writeFile(t, stale, []byte(genfile.GoHeader+"\n//go:build !jsgen\n\npackage small\n"))
	mine := filepath.Join(dir, "mine.go")
	writeFile(t, mine, []byte("package small\n"))
	writeTempModule(t, dir) // a Go file makes jsgen load the package, which needs a module
	if code, diff, _ := run(dir, "check", dir); code != ExitDrift || !strings.Contains(diff, "+++ /dev/null") {
		t.Fatalf("check with a stale file: exit %d\n%s", code, diff)
	}
	if code, _, stderr := run(dir, "generate", dir); code != ExitOK {
		t.Fatalf("generate: %s", stderr)
	}
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Error("stale generated file was not removed")
	}
	if _, err := os.Stat(mine); err != nil {
		t.Error("hand-written file was removed")
	}
	if code, _, _ := run(dir, "check", dir); code != ExitOK {
		t.Error("check after regenerating is not clean")
	}
}

func TestExitCodesAndUsage(t *testing.T) {
	empty := t.TempDir()
	bad := t.TempDir()
	writeFile(t, filepath.Join(bad, "jsgen.yaml"), []byte("version: 1\nmodels:\n  Room: {fields: {name: Strin}}\n"))
	for _, tc := range []struct {
		args        []string
		code        int
		out, errOut string
	}{
		{nil, ExitBadInput, "", "Usage:"},
		{[]string{"help"}, ExitOK, "Commands:", ""},
		{[]string{"help", "check"}, ExitOK, "usage: jsgen check", ""},
		{[]string{"help", "nope"}, ExitBadInput, "", "unknown help topic"},
		{[]string{"frobnicate"}, ExitBadInput, "", `unknown command "frobnicate"`},
		{[]string{"version"}, ExitOK, "jsgen ", ""},
		{[]string{"version", "x"}, ExitBadInput, "", "jsgen version: no arguments expected, got 1"},
		{[]string{"generate", "-nope"}, ExitBadInput, "", "flag provided but not defined"},
		{[]string{"validate", empty}, ExitBadInput, "", "no declarations"},
		{[]string{"validate", filepath.Join(empty, "missing")}, ExitBadInput, "", "directory missing does not exist"},
		{[]string{"validate", bad}, ExitBadInput, "", "jsgen.yaml:3:25: unknown type \"Strin\""},
		{[]string{"diff", bad}, ExitBadInput, "", "1 error"},
	} {
		code, out, errOut := run(empty, tc.args...)
		if code != tc.code || !strings.Contains(out, tc.out) || !strings.Contains(errOut, tc.errOut) {
			t.Errorf("jsgen %v: exit %d, stdout %q, stderr %q; want exit %d, stdout containing %q, stderr containing %q",
				tc.args, code, out, errOut, tc.code, tc.out, tc.errOut)
		}
	}
}

func TestDescribeSummary(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "jsgen.yaml"), []byte(smallSpec+"messages:\n  Note: {fields: {text: string}}\n"))
	code, out, stderr := run(dir, "describe", dir)
	if code != ExitOK {
		t.Fatalf("describe: %s", stderr)
	}
	for _, want := range []string{"package small", "model Room (Ref identifiers up to 255 bytes)", "name", "maxLength 10"} {
		if !strings.Contains(out, want) {
			t.Errorf("describe output lacks %q:\n%s", want, out)
		}
	}
	for i, line := range strings.Split(out, "\n") {
		if strings.TrimRight(line, " \t") != line {
			t.Errorf("describe output line %d ends in spaces: %q", i+1, line)
		}
	}
}

func TestNewRoomServiceVerb(t *testing.T) {
	parent := t.TempDir()
	code, out, stderr := run(parent, "new", "room-service", "--dir", parent, "--module", "example.com/lobby", "lobby")
	if code != ExitOK {
		t.Fatalf("new room-service: exit %d\n%s", code, stderr)
	}
	if !strings.Contains(out, "generated") {
		t.Errorf("output does not list generated files:\n%s", out)
	}
	// Running it again refuses to overwrite (exit 2) unless --force.
	if code, _, stderr := run(parent, "new", "room-service", "--dir", parent, "lobby"); code != ExitBadInput || !strings.Contains(stderr, "--force") {
		t.Errorf("second run: exit %d\n%s", code, stderr)
	}
	if code, _, stderr := run(parent, "new", "room-service", "--dir", parent, "Bad Name"); code != ExitBadInput {
		t.Errorf("bad name: exit %d\n%s", code, stderr)
	}
	if code, _, _ := run(parent, "new", "websocket-thing", "x"); code != ExitBadInput {
		t.Errorf("unknown kind: exit %d", code)
	}
}

func TestSchemaVerb(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "jsgen.yaml"), []byte(smallSpec))
	out := filepath.Join(dir, "schemas")
	code, stdout, stderr := run(dir, "schema", "-o", out, dir)
	if code != ExitOK {
		t.Fatalf("schema: exit %d\n%s", code, stderr)
	}
	data, err := os.ReadFile(filepath.Join(out, "Room.schema.json"))
	if err != nil || !strings.Contains(string(data), `"maxLength": 10`) || !strings.Contains(stdout, "create") {
		t.Fatalf("Room.schema.json: %v\n%s\n%s", err, data, stdout)
	}
	if code, stdout, _ := run(dir, "schema", "-o", out, dir); code != ExitOK || stdout != "" {
		t.Errorf("second run rewrote files: %s", stdout)
	}
	if code, stdout, _ := run(dir, "schema", "--config"); code != ExitOK || !strings.Contains(stdout, `"$schema"`) {
		t.Errorf("--config: exit %d\n%.200s", code, stdout)
	}
	if code, _, _ := run(dir, "schema", dir); code != ExitBadInput {
		t.Errorf("schema without -o: exit %d", code)
	}
}

func TestSchemaVerbWritesClientArtefacts(t *testing.T) {
	out := t.TempDir()
	app := filepath.Join(repoRoot(t), "examples", "chat", "chatapi")
	if code, _, stderr := run(out, "schema", "-o", out, app); code != ExitOK {
		t.Fatalf("schema: exit %d\n%s", code, stderr)
	}
	for name, want := range map[string]string{
		"client.ts":             "export function connectChatRoom(",
		"asyncapi.yaml":         "asyncapi: \"3.0.0\"",
		"RoomEvent.schema.json": `"oneOf"`,
		// The error frame every route may send, apps' own refusals included.
		"jsgen.ErrorFrame.schema.json": `"const": "error"`,
	} {
		data, err := os.ReadFile(filepath.Join(out, name))
		if err != nil || !strings.Contains(string(data), want) {
			t.Errorf("%s: %v; want it to contain %q", name, err, want)
		}
	}
}

// specTree writes a tree with two valid packages (a and b/c) and, in places
// a pattern must skip, invalid declarations that would fail any verb.
func specTree(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	writeFile(t, filepath.Join(root, "a", "jsgen.yaml"), []byte("version: 1\npackage: a\nmodels:\n  Room: {fields: {name: {type: string, maxLength: 10}}}\n"))
	writeFile(t, filepath.Join(root, "b", "c", "jsgen.yaml"), []byte("version: 1\npackage: c\nmodels:\n  Lobby: {fields: {title: {type: string}}}\n"))
	writeFile(t, filepath.Join(root, "docs", "notes.txt"), []byte("no declarations here\n"))
	broken := []byte("version: 1\nmodels:\n  Room: {fields: {name: Strin}}\n")
	for _, skipped := range []string{"testdata", "vendor", ".hidden", "_old", "nested"} {
		writeFile(t, filepath.Join(root, skipped, "jsgen.yaml"), broken)
	}
	writeFile(t, filepath.Join(root, "nested", "go.mod"), []byte("module example.com/nested\n"))
	return root
}

// TestPackagePatterns runs every loading verb on DIR/... and on several
// directories: both packages are handled, the skipped directories are not.
func TestPackagePatterns(t *testing.T) {
	root := specTree(t)
	all := filepath.Join(root, "...")
	a, c := filepath.Join(root, "a"), filepath.Join(root, "b", "c")

	if code, _, stderr := run(root, "validate", all); code != ExitOK {
		t.Fatalf("validate DIR/...: exit %d\n%s", code, stderr)
	}
	if code, _, stderr := run(root, "check", all); code != ExitDrift || !strings.Contains(stderr, "a: 1 generated file out of date") || !strings.Contains(stderr, "b/c: 1 generated file") {
		t.Fatalf("check DIR/... before generate: exit %d\n%s", code, stderr)
	}
	if code, _, stderr := run(root, "generate", all); code != ExitOK {
		t.Fatalf("generate DIR/...: exit %d\n%s", code, stderr)
	}
	for _, f := range []string{filepath.Join(a, "types.jsgen.go"), filepath.Join(c, "types.jsgen.go")} {
		if _, err := os.Stat(f); err != nil {
			t.Errorf("generate DIR/... did not write %s", f)
		}
	}
	if code, diff, stderr := run(root, "check", all); code != ExitOK || diff != "" {
		t.Errorf("check DIR/... after generate: exit %d\n%s%s", code, diff, stderr)
	}
	if code, _, stderr := run(root, "check", a, c); code != ExitOK {
		t.Errorf("check with two directories: exit %d\n%s", code, stderr)
	}

	code, out, stderr := run(root, "describe", all)
	if code != ExitOK || !strings.Contains(out, "# a\npackage a\n") || !strings.Contains(out, "\n# b/c\npackage c\n") || strings.Count(out, "package ") != 2 {
		t.Errorf("describe DIR/...: exit %d\n%s%s", code, out, stderr)
	}
	code, out, stderr = run(root, "describe", "--json", a, c)
	var byDir map[string]struct{ Package string }
	if code != ExitOK || json.Unmarshal([]byte(out), &byDir) != nil || byDir["a"].Package != "a" || byDir["b/c"].Package != "c" || len(byDir) != 2 {
		t.Errorf("describe --json with two directories: exit %d\n%s%s", code, out, stderr)
	}

	code, out, stderr = run(root, "describe", "--json", filepath.Join(a, "..."))
	byDir = nil
	if code != ExitOK || json.Unmarshal([]byte(out), &byDir) != nil || byDir["a"].Package != "a" || len(byDir) != 1 {
		t.Errorf("describe --json with a pattern that matches one package: exit %d; want an object keyed by directory\n%s%s", code, out, stderr)
	}

	t.Chdir(root)
	if code, _, stderr := run(root, "schema", "-o", "one", "./a/..."); code != ExitOK {
		t.Errorf("schema -o DIR with a pattern that matches one package: exit %d\n%s", code, stderr)
	} else if _, err := os.Stat(filepath.Join(root, "one", "a", "Room.schema.json")); err != nil {
		t.Errorf("schema -o DIR with a pattern: the package's files are not in DIR/a: %v", err)
	}
	for _, args := range [][]string{{"./..."}, {"a", "b/c"}} {
		out := t.TempDir()
		code, stdout, stderr := run(root, append([]string{"schema", "-o", out}, args...)...)
		if code != ExitOK {
			t.Errorf("schema -o DIR %v: exit %d\n%s", args, code, stderr)
			continue
		}
		for _, f := range []string{filepath.Join(out, "a", "Room.schema.json"), filepath.Join(out, "b", "c", "Lobby.schema.json")} {
			if _, err := os.Stat(f); err != nil {
				t.Errorf("schema -o DIR %v did not write %s:\n%s", args, f, stdout)
			}
		}
	}
	code, _, stderr = run(root, "schema", "-o", t.TempDir(), "a", filepath.Dir(root))
	if code != ExitBadInput || !strings.Contains(stderr, "is not below the current directory") {
		t.Errorf("schema with a package outside the working directory: exit %d\n%s", code, stderr)
	}
}

// TestUsageErrors checks that every bad argument is exit 2 with a message
// naming the problem.
func TestUsageErrors(t *testing.T) {
	root := specTree(t)
	missing := filepath.Join(root, "missing")
	for _, verb := range [][]string{{"generate"}, {"check"}, {"validate"}, {"describe"}, {"describe", "--json"}, {"schema", "-o", t.TempDir()}} {
		for _, arg := range []string{missing, filepath.Join(missing, "..."), filepath.Join(root, "a", "jsgen.yaml")} {
			code, _, stderr := run(root, append(verb, arg)...)
			want := "directory missing does not exist"
			if strings.HasSuffix(arg, ".yaml") {
				want = "a/jsgen.yaml is not a directory"
			}
			if code != ExitBadInput || !strings.Contains(stderr, "jsgen "+verb[0]+": "+want) {
				t.Errorf("jsgen %v %s: exit %d, stderr %q; want exit 2 and %q", verb, arg, code, stderr, want)
			}
		}
	}
	for _, tc := range []struct {
		args []string
		msg  string
	}{
		{[]string{"schema", root}, "jsgen schema: -o is required"},
		{[]string{"schema", "--config", root}, "--config prints the schema of jsgen.yaml to stdout; it takes neither -o nor a directory"},
		{[]string{"validate", filepath.Join(root, "docs", "...")}, "docs/... matched no directory"},
		{[]string{"validate", root + "..."}, "only DIR/... is supported"},
		{[]string{"check", filepath.Join(root, "a", "...", "x")}, "only DIR/... is supported"},
		{[]string{"validate", ""}, "an empty directory argument"},
		{[]string{"init", filepath.Join(root, "x"), filepath.Join(root, "y")}, "jsgen init: one directory expected, got 2"},
		{[]string{"new", "room-service", "--dir", root, "x", "y"}, "jsgen new: one service name expected, got 2"},
		{[]string{"new", "room-service", "--dir", root}, "jsgen new: one service name expected, got 0"},
		{[]string{"new"}, "what to create is missing"},
		{[]string{"new", "websocket-thing", "x"}, `unknown kind "websocket-thing"`},
	} {
		code, _, stderr := run(root, tc.args...)
		if code != ExitBadInput || !strings.Contains(stderr, tc.msg) {
			t.Errorf("jsgen %q: exit %d, stderr %q; want exit 2 and %q", tc.args, code, stderr, tc.msg)
		}
	}
	if _, err := os.Stat(filepath.Join(root, "x")); err == nil {
		t.Error("init with two directories wrote something")
	}
}

// TestHelpSchemaListsOutputs keeps `jsgen help schema` in step with what
// schema writes.
func TestHelpSchemaListsOutputs(t *testing.T) {
	code, help, _ := run(".", "help", "schema")
	if code != ExitOK {
		t.Fatalf("help schema: exit %d", code)
	}
	out := t.TempDir()
	if code, _, stderr := run(out, "schema", "-o", out, filepath.Join(repoRoot(t), "examples", "chat", "chatapi")); code != ExitOK {
		t.Fatalf("schema: exit %d\n%s", code, stderr)
	}
	entries, err := os.ReadDir(out)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		name := e.Name()
		if strings.HasSuffix(name, ".schema.json") {
			name = "<Name>.schema.json"
		}
		if !strings.Contains(help, "\t"+name+" ") {
			t.Errorf("help schema does not list %s:\n%s", name, help)
		}
	}
	if !strings.Contains(help, "DIR/<its directory relative to the current") {
		t.Errorf("help schema does not say where several packages' files go:\n%s", help)
	}
}

func TestMentionsJSGen(t *testing.T) {
	for src, want := range map[string]bool{
		"package x\n\n//go:generate go tool jsgen generate\n":               true,
		"package x\n\n//go:generate go run ../../cmd/jsgen generate\n":      true,
		"package x\n\n//jsgen:model\ntype Room struct{}\n":                  true,
		"package x\n\n//go:generate stringer -type=T\n":                     false,
		"package x\n\n// Use //jsgen:model on a struct.\n":                  false,
		"package x\n\nconst s = \"//go:generate go tool jsgen generate\"\n": false,
	} {
		if got := mentionsJSGen([]byte(src)); got != want {
			t.Errorf("mentionsJSGen(%q) = %v, want %v", src, got, want)
		}
	}
}
