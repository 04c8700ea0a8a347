package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jsgen-dev/jsgen/internal/writer"
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
	writeFile(t, stale, []byte(writer.Header+"\n//go:build !jsgen\n\npackage small\n"))
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
		{[]string{"version", "x"}, ExitBadInput, "", "usage: jsgen version"},
		{[]string{"generate", "-nope"}, ExitBadInput, "", "flag provided but not defined"},
		{[]string{"validate", empty}, ExitBadInput, "", "no declarations"},
		{[]string{"validate", filepath.Join(empty, "missing")}, ExitInternal, "", "no such file"},
		{[]string{"validate", bad}, ExitBadInput, "", "jsgen.yaml:3:25: unknown type \"Strin\""},
		{[]string{"describe", bad, empty}, ExitBadInput, "", "describe takes one directory"},
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
	writeFile(t, filepath.Join(dir, "jsgen.yaml"), []byte(smallSpec))
	code, out, stderr := run(dir, "describe", dir)
	if code != ExitOK {
		t.Fatalf("describe: %s", stderr)
	}
	for _, want := range []string{"package small", "model Room (Ref identifiers up to 255 bytes)", "name", "maxLength 10"} {
		if !strings.Contains(out, want) {
			t.Errorf("describe output lacks %q:\n%s", want, out)
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
