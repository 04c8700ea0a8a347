// Package cli implements the jsgen command: argument parsing, the verbs, and
// exit codes. Main is the whole command, testable in-process.
package cli

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"runtime/debug"
	"strings"

	"github.com/jsgen-dev/jsgen/internal/diag"
	"github.com/jsgen-dev/jsgen/internal/gen"
	"github.com/jsgen-dev/jsgen/internal/gen/tsgen"
	"github.com/jsgen-dev/jsgen/internal/load"
	"github.com/jsgen-dev/jsgen/internal/scaffold"
	"github.com/jsgen-dev/jsgen/internal/writer"
	"github.com/jsgen-dev/jsgen/schema/asyncapi"
	"github.com/jsgen-dev/jsgen/schema/ir"
	"github.com/jsgen-dev/jsgen/schema/jsonschema"
)

// Exit codes.
const (
	ExitOK       = 0 // success; for check: nothing is stale
	ExitDrift    = 1 // check: generated files are stale or missing
	ExitBadInput = 2 // invalid declarations or usage
	ExitInternal = 3 // a bug or an environment failure
)

type command struct {
	name    string
	summary string
	usage   string
	run     func(ctx context.Context, e *env, args []string) int
}

type env struct {
	stdout, stderr io.Writer
}

// commands lists the verbs; a function, not a variable, because verbs
// print their own usage.
func commands() []command {
	return []command{
		{"generate", "write generated files for each directory (only those that changed) and remove stale ones",
			"jsgen generate [dir ...]\n\nLoads jsgen.yaml and //jsgen: directives in each directory (default .) and writes\nthe *.jsgen.go files. Unchanged files are not touched; *.jsgen.go files that jsgen\nowns but no longer generates are removed. Run it through go generate:\n\n\t//go:generate go tool jsgen generate\n", runGenerate},
		{"check", "exit 1 with a unified diff when generated files are stale or missing (alias: diff)",
			"jsgen check [dir ...]\n\nGenerates in memory and compares with the disk. Exit 0: up to date. Exit 1: stale,\nmissing or orphaned files (a unified diff is printed). Exit 2: invalid declarations.\nFix drift with: go generate ./...\n", runCheck},
		{"validate", "check declarations and print diagnostics; write nothing",
			"jsgen validate [dir ...]\n\nExit 0 when the declarations are valid, 2 otherwise (diagnostics on stderr).\n", runValidate},
		{"describe", "print the app's IR, as a summary or as JSON (--json)",
			"jsgen describe [--json] [dir]\n\nPrints what jsgen understood from the declarations. --json prints the IR, which is\nthe same for the YAML and the Go form of an app; attach it to bug reports.\n", runDescribe},
		{"schema", "write JSON Schemas (and the other client artefacts) of the messages: jsgen schema -o DIR",
			"jsgen schema -o DIR [dir]\njsgen schema --config\n\nWrites one JSON Schema (draft 2020-12) per model, message and union of the app in dir\n(default .) into DIR as <Name>.schema.json; for an app with controllers, also\njsgen.ErrorFrame.schema.json (the error frame every route may send), client.ts (a typed\nTypeScript client) and asyncapi.yaml (AsyncAPI 3.0). Only changed files are written.\n--config prints the JSON Schema of jsgen.yaml itself.\n", runSchema},
		{"init", "scaffold jsgen.yaml and generate.go in a package directory, then generate",
			"jsgen init [--force] [--module PATH] [--name PKG] [dir]\n\nWrites a commented jsgen.yaml and generate.go (with its //go:generate line) into dir\n(default .), then generates. Existing files are never overwritten without --force.\nScaffolded files are yours to edit; generated *.jsgen.go files are not.\n", runInit},
		{"new", "scaffold a working service: jsgen new room-service NAME",
			"jsgen new room-service [--force] [--dir PARENT] [--module PATH] NAME\n\nCreates PARENT/NAME (default ./NAME): declarations, generated API, handlers and a main\nwith graceful shutdown, ready for go run. Existing files are never overwritten without --force.\n", runNew},
		{"version", "print the jsgen version", "jsgen version\n", runVersion},
	}
}

// Main runs the jsgen command with args (without the program name) and
// returns the process exit code.
func Main(args []string, stdout, stderr io.Writer) int {
	return MainContext(context.Background(), args, stdout, stderr)
}

// MainContext is Main with a context that cancels long-running work.
func MainContext(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	e := &env{stdout: stdout, stderr: stderr}
	if len(args) == 0 {
		printHelp(stderr)
		return ExitBadInput
	}
	verb := args[0]
	switch verb {
	case "help", "-h", "-help", "--help":
		return runHelp(e, args[1:])
	case "diff":
		verb = "check"
	}
	for _, c := range commands() {
		if c.name == verb {
			return c.run(ctx, e, args[1:])
		}
	}
	fmt.Fprintf(stderr, "jsgen: unknown command %q\n\n", args[0])
	printHelp(stderr)
	return ExitBadInput
}

func printHelp(w io.Writer) {
	fmt.Fprint(w, "jsgen generates typed real-time WebSocket room services from declarations.\n\nUsage:\n\n\tjsgen <command> [arguments]\n\nCommands:\n\n")
	for _, c := range commands() {
		fmt.Fprintf(w, "\t%-9s %s\n", c.name, c.summary)
	}
	fmt.Fprint(w, "\nCommon invocations:\n\n\tgo generate ./...            run jsgen through //go:generate go tool jsgen generate\n\tjsgen check ./chat           fail (exit 1) in CI when generated code is stale\n\tjsgen describe --json .     show the IR\n\nExit codes: 0 ok, 1 drift (check), 2 bad input or usage, 3 internal error.\nRun 'jsgen help <command>' for details.\n")
}

func runHelp(e *env, args []string) int {
	if len(args) == 0 {
		printHelp(e.stdout)
		return ExitOK
	}
	for _, c := range commands() {
		if c.name == args[0] {
			fmt.Fprint(e.stdout, "usage: "+c.usage)
			return ExitOK
		}
	}
	fmt.Fprintf(e.stderr, "jsgen: unknown help topic %q\n", args[0])
	return ExitBadInput
}

// parse parses flags of a verb; it returns the positional arguments, or a
// non-negative exit code when the command should stop.
func parse(e *env, name string, args []string, setup func(*flag.FlagSet)) ([]string, int) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	if setup != nil {
		setup(fs)
	}
	fs.Usage = func() {
		for _, c := range commands() {
			if c.name == name {
				fmt.Fprint(e.stderr, "usage: "+c.usage)
			}
		}
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil, ExitOK
		}
		return nil, ExitBadInput
	}
	dirs := fs.Args()
	if len(dirs) == 0 {
		dirs = []string{"."}
	}
	return dirs, -1
}

// loadDir loads one directory, printing diagnostics; ok is false when the
// caller should stop with code.
func loadDir(ctx context.Context, e *env, dir string) (prog *ir.Program, code int) {
	prog, diags, err := load.Dir(ctx, dir)
	switch {
	case errors.Is(err, load.ErrNothingDeclared):
		fmt.Fprintf(e.stderr, "jsgen: %v\n", err)
		return nil, ExitBadInput
	case err != nil:
		fmt.Fprintf(e.stderr, "jsgen: %v\n", err)
		return nil, ExitInternal
	case len(diags) > 0:
		fmt.Fprint(e.stderr, diags.String())
		fmt.Fprintf(e.stderr, "jsgen: %s\n", plural(len(diags), "error"))
		return nil, ExitBadInput
	}
	return prog, -1
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

// generated runs the emitters for dir.
func generated(ctx context.Context, e *env, dir string) ([]writer.Change, int) {
	prog, code := loadDir(ctx, e, dir)
	if prog == nil {
		return nil, code
	}
	files, err := gen.Generate(prog)
	if err != nil {
		var de *diag.Error
		if errors.As(err, &de) {
			fmt.Fprint(e.stderr, de.List.String())
			return nil, ExitBadInput
		}
		fmt.Fprintf(e.stderr, "jsgen: internal error generating %s: %v\n", dir, err)
		return nil, ExitInternal
	}
	out := make([]writer.File, len(files))
	for i, f := range files {
		out[i] = writer.File{Path: f.Path, Data: f.Data}
	}
	changes, err := writer.Diff(dir, out)
	if err != nil {
		fmt.Fprintf(e.stderr, "jsgen: %v\n", err)
		return nil, ExitInternal
	}
	return changes, -1
}

func runGenerate(ctx context.Context, e *env, args []string) int {
	dirs, code := parse(e, "generate", args, nil)
	if code >= 0 {
		return code
	}
	worst := ExitOK
	for _, dir := range dirs {
		changes, code := generated(ctx, e, dir)
		if code >= 0 {
			worst = max(worst, code)
			continue
		}
		if err := writer.Apply(dir, changes); err != nil {
			fmt.Fprintf(e.stderr, "jsgen: %v\n", err)
			worst = max(worst, ExitInternal)
		}
	}
	return worst
}

func runCheck(ctx context.Context, e *env, args []string) int {
	dirs, code := parse(e, "check", args, nil)
	if code >= 0 {
		return code
	}
	worst := ExitOK
	for _, dir := range dirs {
		changes, code := generated(ctx, e, dir)
		if code >= 0 {
			worst = max(worst, code)
			continue
		}
		for _, c := range changes {
			fmt.Fprint(e.stdout, writer.Unified(withDir(dir, c)))
		}
		if len(changes) > 0 {
			fmt.Fprintf(e.stderr, "jsgen: %s: %s out of date; run go generate (or jsgen generate %s)\n", dir, plural(len(changes), "generated file"), dir)
			worst = max(worst, ExitDrift)
		}
	}
	return worst
}

func withDir(dir string, c writer.Change) writer.Change {
	if dir != "." {
		c.Path = strings.TrimSuffix(strings.TrimPrefix(dir, "./"), "/") + "/" + c.Path
	}
	return c
}

func runValidate(ctx context.Context, e *env, args []string) int {
	dirs, code := parse(e, "validate", args, nil)
	if code >= 0 {
		return code
	}
	worst := ExitOK
	for _, dir := range dirs {
		if _, code := loadDir(ctx, e, dir); code >= 0 {
			worst = max(worst, code)
		}
	}
	return worst
}

func runDescribe(ctx context.Context, e *env, args []string) int {
	var asJSON bool
	dirs, code := parse(e, "describe", args, func(fs *flag.FlagSet) {
		fs.BoolVar(&asJSON, "json", false, "print the IR as JSON")
	})
	if code >= 0 {
		return code
	}
	if len(dirs) != 1 {
		fmt.Fprintln(e.stderr, "jsgen: describe takes one directory")
		return ExitBadInput
	}
	prog, code := loadDir(ctx, e, dirs[0])
	if prog == nil {
		return code
	}
	if asJSON {
		data, err := json.MarshalIndent(prog, "", "  ")
		if err != nil {
			fmt.Fprintf(e.stderr, "jsgen: internal error: %v\n", err)
			return ExitInternal
		}
		fmt.Fprintf(e.stdout, "%s\n", data)
		return ExitOK
	}
	describe(e.stdout, prog)
	return ExitOK
}

func runVersion(_ context.Context, e *env, args []string) int {
	if len(args) > 0 {
		fmt.Fprintln(e.stderr, "usage: jsgen version")
		return ExitBadInput
	}
	fmt.Fprintf(e.stdout, "jsgen %s\n", Version())
	return ExitOK
}

// Version returns the module version jsgen was built from, or "(devel)".
func Version() string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		if bi.Main.Path == "github.com/jsgen-dev/jsgen" && bi.Main.Version != "" {
			return bi.Main.Version
		}
		for _, d := range bi.Deps {
			if d.Path == "github.com/jsgen-dev/jsgen" {
				return d.Version
			}
		}
	}
	return "(devel)"
}

func runInit(ctx context.Context, e *env, args []string) int {
	o := scaffold.Options{Stdout: e.stdout}
	dirs, code := parse(e, "init", args, func(fs *flag.FlagSet) {
		fs.BoolVar(&o.Force, "force", false, "overwrite existing files")
		fs.StringVar(&o.Module, "module", "", "module path when no go.mod encloses the directory")
		fs.StringVar(&o.Name, "name", "", "Go package name (default: the existing package, or the directory name)")
	})
	if code >= 0 {
		return code
	}
	if len(dirs) != 1 {
		fmt.Fprintln(e.stderr, "jsgen: init takes one directory")
		return ExitBadInput
	}
	o.Dir = dirs[0]
	_, err := scaffold.Init(ctx, o)
	return scaffoldResult(e, err)
}

func runNew(ctx context.Context, e *env, args []string) int {
	o := scaffold.Options{Stdout: e.stdout}
	if len(args) == 0 || args[0] != "room-service" {
		fmt.Fprintln(e.stderr, "usage: jsgen new room-service [--force] [--dir PARENT] [--module PATH] NAME")
		return ExitBadInput
	}
	names, code := parse(e, "new", args[1:], func(fs *flag.FlagSet) {
		fs.BoolVar(&o.Force, "force", false, "overwrite existing files")
		fs.StringVar(&o.Dir, "dir", ".", "parent directory of the new service")
		fs.StringVar(&o.Module, "module", "", "module path when no go.mod encloses the directory")
	})
	if code >= 0 {
		return code
	}
	if len(names) != 1 || names[0] == "." {
		fmt.Fprintln(e.stderr, "usage: jsgen new room-service [--force] [--dir PARENT] [--module PATH] NAME")
		return ExitBadInput
	}
	o.Name = names[0]
	if err := scaffold.CheckServiceName(o.Name); err != nil {
		fmt.Fprintf(e.stderr, "jsgen: %v\n", err)
		return ExitBadInput
	}
	_, err := scaffold.NewRoomService(ctx, o)
	return scaffoldResult(e, err)
}

// scaffoldResult maps a scaffolding error to an exit code: refusals and
// bad names are the user's to fix (2), anything else is internal (3).
func scaffoldResult(e *env, err error) int {
	if err == nil {
		return ExitOK
	}
	fmt.Fprintf(e.stderr, "jsgen: %v\n", err)
	var de *diag.Error
	if errors.As(err, &de) || errors.Is(err, scaffold.ErrUser) {
		return ExitBadInput
	}
	return ExitInternal
}

func runSchema(ctx context.Context, e *env, args []string) int {
	var out string
	var config bool
	dirs, code := parse(e, "schema", args, func(fs *flag.FlagSet) {
		fs.StringVar(&out, "o", "", "output directory")
		fs.BoolVar(&config, "config", false, "print the JSON Schema of jsgen.yaml")
	})
	if code >= 0 {
		return code
	}
	if config {
		data, err := jsonschema.ConfigSchema()
		if err != nil {
			fmt.Fprintf(e.stderr, "jsgen: internal error: %v\n", err)
			return ExitInternal
		}
		e.stdout.Write(data)
		return ExitOK
	}
	if out == "" || len(dirs) != 1 {
		fmt.Fprintln(e.stderr, "usage: jsgen schema -o DIR [dir]")
		return ExitBadInput
	}
	prog, code := loadDir(ctx, e, dirs[0])
	if prog == nil {
		return code
	}
	files, err := clientFiles(prog)
	if err != nil {
		var de *diag.Error
		if errors.As(err, &de) {
			fmt.Fprint(e.stderr, de.List.String())
			return ExitBadInput
		}
		fmt.Fprintf(e.stderr, "jsgen: internal error: %v\n", err)
		return ExitInternal
	}
	changes, err := writer.Diff(out, files)
	if err == nil {
		err = writer.Apply(out, changes)
	}
	if err != nil {
		fmt.Fprintf(e.stderr, "jsgen: %v\n", err)
		return ExitInternal
	}
	for _, c := range changes {
		fmt.Fprintf(e.stdout, "%s %s\n", c.Kind, filepath.Join(out, c.Path))
	}
	return ExitOK
}

// clientFiles are the artefacts for clients and other tools: a JSON Schema
// per model, message and union and, for apps with controllers, the JSON
// Schema of the error frame every route may send
// (jsgen.ErrorFrame.schema.json), the typed TypeScript client (client.ts)
// and the AsyncAPI 3.0 document.
func clientFiles(p *ir.Program) ([]writer.File, error) {
	schemas, err := jsonschema.Messages(p)
	if err != nil {
		return nil, err
	}
	var files []writer.File
	for _, f := range schemas {
		files = append(files, writer.File{Path: f.Path, Data: f.Data})
	}
	if len(p.Controllers) == 0 {
		return files, nil
	}
	ef, err := jsonschema.ErrorFrame()
	if err != nil {
		return nil, err
	}
	files = append(files, writer.File{Path: ef.Path, Data: ef.Data})
	ts, err := tsgen.Generate(p)
	if err != nil {
		return nil, err
	}
	api, err := asyncapi.Generate(p)
	if err != nil {
		return nil, err
	}
	return append(files, writer.File{Path: ts.Path, Data: ts.Data}, writer.File{Path: api.Path, Data: api.Data}), nil
}
