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
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"

	"github.com/jsgen-dev/jsgen/internal/emit/asyncapi"
	"github.com/jsgen-dev/jsgen/internal/emit/golang"
	"github.com/jsgen-dev/jsgen/internal/emit/jsonschema"
	"github.com/jsgen-dev/jsgen/internal/emit/ts"
	"github.com/jsgen-dev/jsgen/internal/genfile"
	"github.com/jsgen-dev/jsgen/internal/load"
	"github.com/jsgen-dev/jsgen/internal/scaffold"
	"github.com/jsgen-dev/jsgen/internal/wireschema"
	"github.com/jsgen-dev/jsgen/internal/writer"
	"github.com/jsgen-dev/jsgen/schema/diag"
	"github.com/jsgen-dev/jsgen/schema/ir"
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

// packagesHelp explains the package arguments every loading verb takes.
const packagesHelp = `
Packages are directories (default .) or patterns DIR/... that stand for every
directory at or below DIR holding a jsgen.yaml, a Go file with //jsgen:
directives, or a //go:generate line that runs jsgen. Like the go command, a
pattern skips testdata and vendor directories, names starting with . or _,
and nested modules. A missing directory or a pattern that matches nothing is
a usage error (exit 2).
`

// commands lists the verbs; a function, not a variable, because verbs
// print their own usage.
func commands() []command {
	return []command{
		{"generate", "write generated files for each package (only those that changed) and remove stale ones",
			"jsgen generate [packages]\n\nLoads jsgen.yaml and //jsgen: directives in each package directory and writes\nthe *.jsgen.go files. Unchanged files are not touched; *.jsgen.go files that jsgen\nowns but no longer generates are removed. Run it through go generate:\n\n\t//go:generate go tool jsgen generate\n" + packagesHelp, runGenerate},
		{"check", "exit 1 with a unified diff when generated files are stale or missing (alias: diff)",
			"jsgen check [packages]\n\nGenerates in memory and compares with the disk. Exit 0: up to date. Exit 1: stale,\nmissing or orphaned files (a unified diff is printed). Exit 2: invalid declarations\nor usage. Fix drift with: go generate ./...\n" + packagesHelp, runCheck},
		{"validate", "check declarations and print diagnostics; write nothing",
			"jsgen validate [packages]\n\nExit 0 when the declarations are valid, 2 otherwise (diagnostics on stderr).\n" + packagesHelp, runValidate},
		{"describe", "print the app's IR, as a summary or as JSON (--json)",
			"jsgen describe [--json] [packages]\n\nPrints what jsgen understood from the declarations. --json prints the IR, which is\nthe same for the YAML and the Go form of an app; attach it to bug reports. With a\npattern or several directories, each summary starts with a \"# DIR\" line, and --json\nprints one object keyed by directory.\n" + packagesHelp, runDescribe},
		{"schema", "write the client artefacts (JSON Schemas, TypeScript client, AsyncAPI): jsgen schema -o DIR",
			"jsgen schema -o DIR [packages]\njsgen schema --config\n\nWrites the client artefacts of each package into DIR; only changed files are written:\n\n\t<Name>.schema.json            one JSON Schema (draft 2020-12) per model, message and union\n\tjsgen.ErrorFrame.schema.json  the error frame every route may send (apps with controllers)\n\tclient.ts                     the typed TypeScript client (apps with controllers)\n\tasyncapi.yaml                 the AsyncAPI 3.0 document (apps with controllers)\n\nWith one package directory the files go into DIR itself. With a pattern or several\ndirectories, each package's files go into DIR/<its directory relative to the current\ndirectory> (jsgen schema -o web/api ./... writes web/api/chat/api/... for ./chat/api),\nso each package must be below the current directory. Nothing is written unless every\npackage is valid.\n\n--config prints the JSON Schema of jsgen.yaml itself.\n" + packagesHelp, runSchema},
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
	fmt.Fprint(w, "\nCommon invocations:\n\n\tgo generate ./...            run jsgen through //go:generate go tool jsgen generate\n\tjsgen check ./...            fail (exit 1) in CI when generated code is stale\n\tjsgen describe --json .     show the IR\n\nExit codes: 0 ok, 1 drift (check), 2 bad input or usage, 3 internal error.\nRun 'jsgen help <command>' for details.\n")
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
	return fs.Args(), -1
}

// pkgs are the package directories a verb works on.
type pkgs struct {
	dirs []string
	// several is set when the arguments were a pattern or more than one
	// directory: output then says which package each part belongs to,
	// however many packages matched.
	several bool
}

// packages parses a verb's flags and expands its directory arguments
// (directories and DIR/... patterns, default .); it returns the package
// directories, or a non-negative exit code when the command should stop.
func packages(e *env, name string, args []string, setup func(*flag.FlagSet)) (pkgs, int) {
	args, code := parse(e, name, args, setup)
	if code >= 0 {
		return pkgs{}, code
	}
	return expandArgs(e, name, args)
}

// expandArgs expands directory arguments (default .) into packages.
func expandArgs(e *env, name string, args []string) (pkgs, int) {
	if len(args) == 0 {
		args = []string{"."}
	}
	dirs, err := expandDirs(args)
	if err != nil {
		return pkgs{}, usageFailed(e, name, err)
	}
	return pkgs{dirs: dirs, several: len(args) > 1 || isPattern(args[0])}, -1
}

// usageFailed prints a usage error of verb and returns its exit code.
func usageFailed(e *env, verb string, err error) int {
	fmt.Fprintf(e.stderr, "jsgen %s: %v\n", verb, err)
	var ue *usageError
	if errors.As(err, &ue) {
		fmt.Fprintf(e.stderr, "run 'jsgen help %s' for usage\n", verb)
		return ExitBadInput
	}
	return ExitInternal
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

// emitted loads dir and runs emit on its program, printing diagnostics
// and errors; code is -1 on success, else the exit code to stop with.
func emitted(ctx context.Context, e *env, dir string, emit func(*ir.Program) ([]genfile.File, error)) (files []genfile.File, code int) {
	prog, code := loadDir(ctx, e, dir)
	if prog == nil {
		return nil, code
	}
	files, err := emit(prog)
	if err != nil { // ir.Build refused every user mistake: this is a bug
		fmt.Fprintf(e.stderr, "jsgen: internal error generating %s: %v\n", dir, err)
		return nil, ExitInternal
	}
	return files, -1
}

// eachGenerated runs the Go emitter on every package args name, and calls
// apply with the changes that would bring each directory up to date. It
// returns the worst exit code.
func eachGenerated(ctx context.Context, e *env, verb string, args []string, apply func(dir string, changes []writer.Change) int) int {
	p, code := packages(e, verb, args, nil)
	if code >= 0 {
		return code
	}
	worst := ExitOK
	for _, dir := range p.dirs {
		files, code := emitted(ctx, e, dir, golang.Generate)
		if code >= 0 {
			worst = max(worst, code)
			continue
		}
		changes, err := writer.Diff(dir, files)
		if err != nil {
			fmt.Fprintf(e.stderr, "jsgen: %v\n", err)
			worst = max(worst, ExitInternal)
			continue
		}
		worst = max(worst, apply(dir, changes))
	}
	return worst
}

func runGenerate(ctx context.Context, e *env, args []string) int {
	return eachGenerated(ctx, e, "generate", args, func(dir string, changes []writer.Change) int {
		if err := writer.Apply(dir, changes); err != nil {
			fmt.Fprintf(e.stderr, "jsgen: %v\n", err)
			return ExitInternal
		}
		return ExitOK
	})
}

func runCheck(ctx context.Context, e *env, args []string) int {
	return eachGenerated(ctx, e, "check", args, func(dir string, changes []writer.Change) int {
		for _, c := range changes {
			fmt.Fprint(e.stdout, writer.Unified(withDir(dir, c)))
		}
		if len(changes) == 0 {
			return ExitOK
		}
		fmt.Fprintf(e.stderr, "jsgen: %s: %s out of date; run go generate (or jsgen generate %s)\n", dir, plural(len(changes), "generated file"), dir)
		return ExitDrift
	})
}

func withDir(dir string, c writer.Change) writer.Change {
	if dir != "." {
		c.Path = strings.TrimSuffix(strings.TrimPrefix(dir, "./"), "/") + "/" + c.Path
	}
	return c
}

func runValidate(ctx context.Context, e *env, args []string) int {
	p, code := packages(e, "validate", args, nil)
	if code >= 0 {
		return code
	}
	dirs := p.dirs
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
	p, code := packages(e, "describe", args, func(fs *flag.FlagSet) {
		fs.BoolVar(&asJSON, "json", false, "print the IR as JSON")
	})
	if code >= 0 {
		return code
	}
	dirs := p.dirs
	progs := map[string]*ir.Program{}
	worst := ExitOK
	for _, dir := range dirs {
		prog, code := loadDir(ctx, e, dir)
		if prog == nil {
			worst = max(worst, code)
			continue
		}
		progs[dir] = prog
	}
	if worst != ExitOK {
		return worst
	}
	if asJSON {
		return describeJSON(e, p, progs)
	}
	for i, dir := range dirs {
		if p.several {
			if i > 0 {
				fmt.Fprintln(e.stdout)
			}
			fmt.Fprintf(e.stdout, "# %s\n", filepath.ToSlash(dir))
		}
		describe(e.stdout, progs[dir])
	}
	return ExitOK
}

// describeJSON prints the IR of one directory as a JSON object, or, for a
// pattern or several directories, one JSON object keyed by directory.
func describeJSON(e *env, p pkgs, progs map[string]*ir.Program) int {
	var v any = progs[p.dirs[0]]
	if p.several {
		byDir := map[string]*ir.Program{}
		for dir, p := range progs {
			byDir[filepath.ToSlash(dir)] = p
		}
		v = byDir
	}
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		fmt.Fprintf(e.stderr, "jsgen: internal error: %v\n", err)
		return ExitInternal
	}
	fmt.Fprintf(e.stdout, "%s\n", data)
	return ExitOK
}

func runVersion(_ context.Context, e *env, args []string) int {
	if len(args) > 0 {
		return usageFailed(e, "version", usagef("no arguments expected, got %d", len(args)))
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
	switch {
	case len(dirs) > 1:
		return usageFailed(e, "init", usagef("one directory expected, got %d", len(dirs)))
	case len(dirs) == 1:
		o.Dir = dirs[0]
	}
	_, err := scaffold.Init(ctx, o)
	return scaffoldResult(e, err)
}

func runNew(ctx context.Context, e *env, args []string) int {
	o := scaffold.Options{Stdout: e.stdout}
	switch {
	case len(args) == 0:
		return usageFailed(e, "new", usagef("what to create is missing: jsgen new room-service NAME"))
	case args[0] != "room-service":
		return usageFailed(e, "new", usagef("unknown kind %q: jsgen new room-service NAME is the one kind", args[0]))
	}
	names, code := parse(e, "new", args[1:], func(fs *flag.FlagSet) {
		fs.BoolVar(&o.Force, "force", false, "overwrite existing files")
		fs.StringVar(&o.Dir, "dir", ".", "parent directory of the new service")
		fs.StringVar(&o.Module, "module", "", "module path when no go.mod encloses the directory")
	})
	if code >= 0 {
		return code
	}
	if len(names) != 1 {
		return usageFailed(e, "new", usagef("one service name expected, got %d", len(names)))
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
	args, code := parse(e, "schema", args, func(fs *flag.FlagSet) {
		fs.StringVar(&out, "o", "", "output directory")
		fs.BoolVar(&config, "config", false, "print the JSON Schema of jsgen.yaml")
	})
	if code >= 0 {
		return code
	}
	if config {
		if out != "" || len(args) > 0 {
			return usageFailed(e, "schema", usagef("--config prints the schema of jsgen.yaml to stdout; it takes neither -o nor a directory"))
		}
		return printConfigSchema(e)
	}
	if out == "" {
		return usageFailed(e, "schema", usagef("-o is required: the directory to write the client artefacts into"))
	}
	p, code := expandArgs(e, "schema", args)
	if code >= 0 {
		return code
	}
	dirs := p.dirs
	targets, err := schemaTargets(out, p)
	if err != nil {
		return usageFailed(e, "schema", err)
	}
	var outputs [][]genfile.File
	worst := ExitOK
	for _, dir := range dirs {
		files, code := emitted(ctx, e, dir, clientFiles)
		if code >= 0 {
			worst = max(worst, code)
		}
		outputs = append(outputs, files)
	}
	if worst != ExitOK {
		return worst // nothing is written unless every package is valid
	}
	for i, files := range outputs {
		if code := writeSchemaFiles(e, targets[i], files); code != ExitOK {
			return code
		}
	}
	return ExitOK
}

func printConfigSchema(e *env) int {
	data, err := wireschema.ConfigSchema()
	if err != nil {
		fmt.Fprintf(e.stderr, "jsgen: internal error: %v\n", err)
		return ExitInternal
	}
	e.stdout.Write(data)
	return ExitOK
}

// schemaTargets returns where each package's client artefacts go: out
// itself for a single directory argument; for a pattern or several
// directories, out/<the package directory relative to the current
// directory>, which must not lead outside it.
func schemaTargets(out string, p pkgs) ([]string, error) {
	if !p.several {
		return []string{out}, nil
	}
	dirs := p.dirs
	wd, err := os.Getwd()
	if err != nil {
		return nil, fmt.Errorf("working directory: %w", err)
	}
	targets := make([]string, len(dirs))
	for i, dir := range dirs {
		abs, err := filepath.Abs(dir)
		if err != nil {
			return nil, err
		}
		rel, err := filepath.Rel(wd, abs)
		if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			return nil, usagef("with several packages, each package's files go to -o DIR/<its directory below the current one>, and %s is not below the current directory; run jsgen schema once per package, or from a directory that contains them all", dir)
		}
		targets[i] = filepath.Join(out, rel)
	}
	return targets, nil
}

func isPattern(arg string) bool {
	_, p, err := splitPattern(arg)
	return err == nil && p
}

// writeSchemaFiles writes the files that changed into dir and prints one
// line per change.
func writeSchemaFiles(e *env, dir string, files []genfile.File) int {
	changes, err := writer.Diff(dir, files)
	if err == nil {
		err = writer.Apply(dir, changes)
	}
	if err != nil {
		fmt.Fprintf(e.stderr, "jsgen: %v\n", err)
		return ExitInternal
	}
	for _, c := range changes {
		fmt.Fprintf(e.stdout, "%s %s\n", c.Kind, filepath.Join(dir, c.Path))
	}
	return ExitOK
}

// clientFiles are the artefacts for clients and other tools: a JSON Schema
// per model, message and union and, for apps with controllers, the JSON
// Schema of the error frame every route may send
// (jsgen.ErrorFrame.schema.json), the typed TypeScript client (client.ts)
// and the AsyncAPI 3.0 document.
func clientFiles(p *ir.Program) ([]genfile.File, error) {
	emitters := []func(*ir.Program) ([]genfile.File, error){jsonschema.Generate}
	if len(p.Controllers) > 0 {
		emitters = append(emitters, ts.Generate, asyncapi.Generate)
	}
	var files []genfile.File
	for _, emit := range emitters {
		out, err := emit(p)
		if err != nil {
			return nil, err
		}
		files = append(files, out...)
	}
	return files, nil
}
