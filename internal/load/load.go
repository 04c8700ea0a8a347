// Package load reads an app's declarations from a directory — jsgen.yaml
// and annotated Go, whichever are there — and builds its IR.
package load

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/jsgen-dev/jsgen/schema/decl"
	"github.com/jsgen-dev/jsgen/schema/diag"
	"github.com/jsgen-dev/jsgen/schema/gospec"
	"github.com/jsgen-dev/jsgen/schema/ir"
	"github.com/jsgen-dev/jsgen/schema/yamlspec"
)

// ConfigName is the name of the YAML declaration file in a package directory.
const ConfigName = "jsgen.yaml"

// ErrNothingDeclared is returned when a directory has neither jsgen.yaml nor
// any //jsgen: directive.
var ErrNothingDeclared = errors.New("no declarations: the directory has no " + ConfigName + " and no //jsgen: directives")

// Dir loads the declarations in dir and builds the IR. User mistakes come
// back as diagnostics (with a nil Program), all at once: the front-ends'
// (YAML shape, directives, tags, Go type errors inside declarations) and
// the checks of package ir on everything the front-ends could read. The
// error is for everything else (unreadable files, a Go package that cannot
// be loaded at all).
func Dir(ctx context.Context, dir string) (*ir.Program, diag.List, error) {
	specs, diags, err := specs(ctx, dir)
	if err != nil {
		return nil, diags.Sorted(), err
	}
	if slices.Contains(specs, nil) {
		// A document that could not be read at all: checking the rest
		// against it would only report what it would have declared.
		return nil, diags.Sorted(), nil
	}
	if len(diags) == 0 && empty(specs) {
		return nil, nil, fmt.Errorf("%s: %w", dir, ErrNothingDeclared)
	}
	// The package is named after dir when no declaration names it; that
	// it cannot be is reported only when nothing else is wrong.
	var in ir.Dir
	if len(diags) == 0 {
		in = ir.Dir{Path: dir, ConfigPos: diag.Pos{File: filepath.Join(dir, ConfigName)}}
	}
	prog, irDiags := ir.BuildIn(in, specs...)
	if diags = append(diags, irDiags...); len(diags) > 0 {
		return nil, diags.Sorted(), nil
	}
	return prog, nil, nil
}

func specs(ctx context.Context, dir string) ([]*decl.Spec, diag.List, error) {
	var out []*decl.Spec
	var diags diag.List
	cfg := filepath.Join(dir, ConfigName)
	data, err := os.ReadFile(cfg)
	switch {
	case err == nil:
		spec, d := yamlspec.Parse(relPath(cfg), data)
		diags = append(diags, d...)
		out = append(out, spec)
	case !errors.Is(err, fs.ErrNotExist):
		return nil, nil, fmt.Errorf("read %s: %w", cfg, err)
	}
	hasGo, err := hasGoFiles(dir)
	if err != nil {
		return nil, nil, err
	}
	if hasGo {
		spec, d, err := gospec.Load(ctx, dir)
		if err != nil && !inModule(dir) {
			return nil, append(diags, noModule(dir)), nil
		}
		if err != nil {
			return nil, nil, fmt.Errorf("load Go package in %s: %w", dir, err)
		}
		diags = append(diags, d...)
		out = append(out, spec)
	}
	return out, diags, nil
}

// inModule reports whether dir or one of its parents has a go.mod.
func inModule(dir string) bool {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return true // let the go command's own error stand
	}
	for {
		if _, err := os.Stat(filepath.Join(abs, "go.mod")); err == nil {
			return true
		}
		parent := filepath.Dir(abs)
		if parent == abs {
			return false
		}
		abs = parent
	}
}

// noModule is the diagnostic for Go files outside any Go module: jsgen
// type-checks them with the go command, which needs one.
func noModule(dir string) diag.Diagnostic {
	return diag.Diagnostic{
		Pos:  diag.Pos{File: relPath(dir)},
		Msg:  "no go.mod in this directory or any parent: jsgen reads annotated Go as a package of a Go module",
		Hint: "run `go mod init <module path>` at the root of your app, then `go get github.com/jsgen-dev/jsgen` (see the README for using a checkout)",
	}
}

// hasGoFiles reports whether dir has Go files that are not jsgen's output
// (which the Go front-end never reads).
func hasGoFiles(dir string) (bool, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return false, fmt.Errorf("list %s: %w", dir, err)
	}
	for _, e := range entries {
		n := e.Name()
		if !e.IsDir() && strings.HasSuffix(n, ".go") && !strings.HasSuffix(n, ".jsgen.go") && !strings.HasSuffix(n, "_test.go") {
			return true, nil
		}
	}
	return false, nil
}

func empty(specs []*decl.Spec) bool {
	for _, s := range specs {
		if s != nil && len(s.Models)+len(s.Messages)+len(s.Unions)+len(s.Channels)+len(s.Events)+len(s.Controllers) > 0 {
			return false
		}
	}
	return true
}

// relPath makes p relative to the working directory when it is below it, so
// diagnostics print short, stable paths.
func relPath(p string) string {
	wd, err := os.Getwd()
	if err != nil {
		return p
	}
	abs, err := filepath.Abs(p)
	if err != nil {
		return p
	}
	if rel, err := filepath.Rel(wd, abs); err == nil && !strings.HasPrefix(rel, "..") {
		return filepath.ToSlash(rel)
	}
	return p
}
