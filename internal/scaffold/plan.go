package scaffold

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"go/format"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"text/template"

	"github.com/jsgen-dev/jsgen/internal/emit/golang"
	"github.com/jsgen-dev/jsgen/internal/load"
	"github.com/jsgen-dev/jsgen/internal/writer"
	"github.com/jsgen-dev/jsgen/templates"
)

// data is what the templates are executed with.
type data struct {
	Name          string // service (or, for Init, package) name: "lobby"
	Package       string // package of jsgen.yaml and generate.go
	PackageDoc    bool   // generate.go documents the package (it is new)
	Controller    string // the controller's Go name: "Lobby"
	RoutePrefix   string // the controller's path prefix: "/lobby"
	ChannelPrefix string // the room channels' key prefix: "lobby:room:"
	KeyEnv        string // the environment variable of the token key: "LOBBY_TOKEN_KEY"
	APIPackage    string // the API package's name, as main refers to it
	APIImport     string // the API package's import path
	Module        string // module path of a new go.mod
	GoVersion     string // go directive of a new go.mod
	SchemaURL     string // the jsgen.yaml JSON Schema
	JSGenVersion  string // the jsgen version a new go.mod requires ("" when the checkout is unknown)
	JSGenReplace  string // the checkout a new go.mod replaces jsgen with, quoted for go.mod
}

// file is one scaffolded file: its template and its path relative to the
// service directory (slash-separated).
type file struct {
	rel  string
	tmpl string
	data []byte // rendered
}

// plan is the files of one scaffold and where they go.
type plan struct {
	o          Options
	root       string // the service directory, absolute
	display    string // the service directory as the user wrote it
	modulePath string // module the service belongs to
	serviceRel string // the service directory relative to the module root
	src        source // where the jsgen module comes from
	toolReady  bool   // go.mod (new or existing) already runs jsgen as a tool
	data       data
	files      []file
}

// newPlan resolves the module of the service directory o.Dir/serviceDir and
// the template data for a service called name; when no go.mod encloses the
// directory, the plan starts with one.
func newPlan(o Options, name, serviceDir string) (*plan, error) {
	display := filepath.Join(o.Dir, serviceDir)
	root, err := filepath.Abs(display)
	if err != nil {
		return nil, errorf("%w", err)
	}
	p := &plan{o: o, root: root, display: display, src: o.jsgenSource()}
	modRoot, modPath, found, err := enclosingModule(root)
	if err != nil {
		return nil, err
	}
	if found {
		if o.Module != "" && o.Module != modPath {
			return nil, userErrorf("module path %q was asked for, but %s declares module %s", o.Module, filepath.Join(modRoot, "go.mod"), modPath)
		}
		p.modulePath = modPath
		if p.serviceRel, err = filepath.Rel(modRoot, root); err != nil {
			return nil, errorf("%w", err)
		}
		if p.toolReady, err = hasJSGenTool(modRoot); err != nil {
			return nil, err
		}
	} else {
		p.modulePath, p.serviceRel = o.Module, "."
		if p.modulePath == "" {
			p.modulePath = "example.com/" + name
		}
		if err := checkModulePath(p.modulePath); err != nil {
			return nil, err
		}
		p.add(".", "go.mod", templates.GoMod)
	}
	p.data = data{
		Name:          name,
		Controller:    controllerName(name),
		RoutePrefix:   "/" + name,
		ChannelPrefix: name + ":room:",
		KeyEnv:        keyEnv(name),
		Module:        p.modulePath,
		GoVersion:     goVersion,
		SchemaURL:     SchemaURL,
	}
	if !found {
		p.data.JSGenVersion, p.data.JSGenReplace = p.src.requirement()
		p.toolReady = p.data.JSGenVersion != ""
	}
	return p, nil
}

// add plans the file dir/name from template tmpl.
func (p *plan) add(dir, name, tmpl string) {
	p.files = append(p.files, file{rel: filepath.ToSlash(filepath.Join(dir, name)), tmpl: tmpl})
}

// path is f's path as the user refers to it.
func (p *plan) path(rel string) string {
	return filepath.Join(p.display, filepath.FromSlash(rel))
}

// run renders every file, refuses (without Force) if any exists, writes
// them, generates the package in apiDir and prints what it did and next.
func (p *plan) run(ctx context.Context, apiDir string, next func()) ([]string, error) {
	if err := p.render(); err != nil {
		return nil, err
	}
	existing, err := p.existing()
	if err != nil {
		return nil, err
	}
	if len(existing) > 0 && !p.o.Force {
		return nil, describeConflicts(existing)
	}
	written, err := p.write(existing)
	if err != nil {
		return written, err
	}
	generated, err := p.generate(ctx, apiDir)
	written = append(written, generated...)
	if err != nil {
		return written, err
	}
	next()
	return written, nil
}

// render executes the templates; Go files are gofmt-formatted.
func (p *plan) render() error {
	tmpls, err := template.New("scaffold").Option("missingkey=error").ParseFS(templates.FS(), "*.tmpl")
	if err != nil {
		return errorf("parse templates: %w", err)
	}
	for i, f := range p.files {
		var buf bytes.Buffer
		if err := tmpls.ExecuteTemplate(&buf, f.tmpl, p.data); err != nil {
			return errorf("render %s: %w", f.rel, err)
		}
		out := buf.Bytes()
		if strings.HasSuffix(f.rel, ".go") {
			if out, err = format.Source(out); err != nil {
				return errorf("render %s: %w", f.rel, err)
			}
		}
		p.files[i].data = out
	}
	return nil
}

// existing lists the planned files already on disk. A directory in the
// place of a file is an error, whatever Force says.
func (p *plan) existing() ([]string, error) {
	var out []string
	for _, f := range p.files {
		fi, err := os.Lstat(filepath.Join(p.root, filepath.FromSlash(f.rel)))
		switch {
		case errors.Is(err, fs.ErrNotExist):
		case err != nil:
			return nil, errorf("%w", err)
		case fi.IsDir():
			return nil, errorf("%s is a directory", p.path(f.rel))
		default:
			out = append(out, p.path(f.rel))
		}
	}
	return out, nil
}

// write writes every file, printing each; existing files are overwritten.
func (p *plan) write(existing []string) ([]string, error) {
	var written []string
	for _, f := range p.files {
		full := filepath.Join(p.root, filepath.FromSlash(f.rel))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			return written, errorf("create directory: %w", err)
		}
		if err := os.WriteFile(full, f.data, 0o644); err != nil {
			return written, errorf("write %s: %w", p.path(f.rel), err)
		}
		verb := "created"
		for _, e := range existing {
			if e == p.path(f.rel) {
				verb = "overwrote"
			}
		}
		written = append(written, p.path(f.rel))
		fmt.Fprintf(p.o.Stdout, "%-9s %s\n", verb, p.path(f.rel))
	}
	return written, nil
}

// generate runs jsgen generate on the service's API package in-process.
func (p *plan) generate(ctx context.Context, apiDir string) ([]string, error) {
	dir := filepath.Join(p.root, apiDir)
	prog, diags, err := load.Dir(ctx, dir)
	switch {
	case err != nil:
		return nil, errorf("generate %s: %w", p.path(apiDir), err)
	case len(diags) > 0:
		return nil, errorf("generate %s: invalid declarations:\n%s", p.path(apiDir), diags.String())
	}
	files, err := golang.Generate(prog)
	if err != nil {
		return nil, errorf("generate %s: %w", p.path(apiDir), err)
	}
	changes, err := writer.Diff(dir, files)
	if err != nil {
		return nil, errorf("generate %s: %w", p.path(apiDir), err)
	}
	if err := writer.Apply(dir, changes); err != nil {
		return nil, errorf("generate %s: %w", p.path(apiDir), err)
	}
	var written []string
	for _, c := range changes {
		if c.Kind == writer.Remove {
			continue
		}
		rel := filepath.ToSlash(filepath.Join(apiDir, c.Path))
		written = append(written, p.path(rel))
		fmt.Fprintf(p.o.Stdout, "%-9s %s\n", "generated", p.path(rel))
	}
	return written, nil
}

// printNext prints the commands that complete the setup: cd into dir,
// add jsgen to the module unless it is there, fetch the requirements, and
// run (or build) with last. extra are optional commands, shown after.
func (p *plan) printNext(dir, last string, extra []string) {
	steps := nextSteps(p.src, p.toolReady, dir, last)
	what := "fetch the requirements and run it"
	if last != "go run ." {
		what = "fetch the requirements and build"
	}
	if !p.toolReady {
		what = "add jsgen to the module as a tool, " + what
	}
	fmt.Fprintf(p.o.Stdout, "\nNext, %s:\n\n", what)
	for _, c := range steps {
		fmt.Fprintf(p.o.Stdout, "\t%s\n", c)
	}
	if !p.src.published() {
		fmt.Fprintf(p.o.Stdout, "\njsgen comes from the checkout in %s (a replace in go.mod), as it is not\npublished on the module proxy.\n", p.src.dir())
	}
	if len(extra) > 0 {
		fmt.Fprintf(p.o.Stdout, "\nThe JSON Schemas, the TypeScript client and the AsyncAPI document:\n\n")
		for _, c := range extra {
			fmt.Fprintf(p.o.Stdout, "\t%s\n", c)
		}
	}
}

// nextSteps are the shell commands that make a scaffolded tree build: cd
// into dir (unless "."), add jsgen as a tool (a published version with go
// get; a checkout with a replace, so the module proxy is never asked for
// it), go mod tidy, then last.
func nextSteps(src source, toolReady bool, dir, last string) []string {
	var steps []string
	if dir != "." {
		steps = append(steps, "cd "+shellQuote(dir))
	}
	if !toolReady {
		if src.published() {
			steps = append(steps, "go get -tool "+jsgenTool+"@"+src.Version)
		} else {
			steps = append(steps, "go mod edit -require="+jsgenModule+"@"+localVersion+" -replace="+jsgenModule+"="+shellQuote(src.dir())+" -tool="+jsgenTool)
		}
	}
	return append(steps, "go mod tidy", last)
}

// shellQuote quotes s for a POSIX shell when it needs it.
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./:=@+,") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
