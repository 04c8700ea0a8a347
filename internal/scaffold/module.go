package scaffold

import (
	"errors"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strings"
	"syscall"

	"golang.org/x/mod/modfile"
	"golang.org/x/mod/module"
)

// jsgenModule is the module path of jsgen (generator and runtime).
const jsgenModule = "github.com/jsgen-dev/jsgen"

// goVersion is the go directive of a scaffolded go.mod: the one jsgen's
// own go.mod declares, the oldest Go that can build code importing it.
const goVersion = "1.26.0"

// enclosingModule finds the go.mod in dir or its nearest ancestor (dir need
// not exist yet). found is false when there is none.
func enclosingModule(dir string) (root, modPath string, found bool, err error) {
	for d := dir; ; d = filepath.Dir(d) {
		gomod := filepath.Join(d, "go.mod")
		data, err := os.ReadFile(gomod)
		switch {
		case err == nil:
			p := modfile.ModulePath(data)
			if p == "" {
				return "", "", false, errorf("%s has no module directive", gomod)
			}
			return d, p, true, nil
		case !errors.Is(err, fs.ErrNotExist) && !errors.Is(err, syscall.ENOTDIR):
			return "", "", false, errorf("read %s: %w", gomod, err)
		}
		if filepath.Dir(d) == d {
			return "", "", false, nil
		}
	}
}

// checkModulePath reports whether p can be written to a new go.mod.
func checkModulePath(p string) error {
	if err := module.CheckPath(p); err != nil {
		return errorf("invalid module path %q: %w", p, err)
	}
	return nil
}

// joinImport is the import path of the package at rel/elem (rel relative
// to the module root, "." for the root itself) in module modPath.
func joinImport(modPath, rel, elem string) string {
	return path.Join(modPath, filepath.ToSlash(rel), elem)
}

// jsgenVersion is the version of jsgen this binary was built from, for the
// `go get -tool ...@VERSION` hint; "latest" when it is unknown (a
// development build).
func jsgenVersion() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "latest"
	}
	v := bi.Main.Version
	if bi.Main.Path != jsgenModule {
		v = ""
		for _, d := range bi.Deps {
			if d.Path == jsgenModule {
				v = d.Version
			}
		}
	}
	if v == "" || v == "(devel)" {
		return "latest"
	}
	return v
}

// initPackage picks the package name for Init: name if given, else the
// package of the directory's existing Go files, else one derived from the
// directory name. A given name must match the existing package. existed
// reports whether the directory already holds the package.
func initPackage(dir, name string) (pkg string, existed bool, err error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", false, errorf("%w", err)
	}
	existing, err := existingPackage(abs)
	if err != nil {
		return "", false, err
	}
	switch {
	case name != "":
		if err := checkPackageName(name); err != nil {
			return "", false, err
		}
		if existing != "" && existing != name {
			return "", false, userErrorf("%s holds package %s, not %s", dir, existing, name)
		}
		return name, existing != "", nil
	case existing != "":
		return existing, true, nil
	}
	pkg, err = derivePackage(abs)
	return pkg, false, err
}

// existingPackage returns the package clause shared by the Go files in dir
// (test and jsgen-generated files aside), or "" when there are none.
func existingPackage(dir string) (string, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return "", nil
	} else if err != nil {
		return "", errorf("list %s: %w", dir, err)
	}
	var names []string
	fset := token.NewFileSet()
	for _, e := range entries {
		n := e.Name()
		if e.IsDir() || !strings.HasSuffix(n, ".go") || strings.HasSuffix(n, "_test.go") || strings.HasSuffix(n, ".jsgen.go") {
			continue
		}
		f, err := parser.ParseFile(fset, filepath.Join(dir, n), nil, parser.PackageClauseOnly)
		if err != nil {
			return "", errorf("read package clause: %w", err)
		}
		if !slices.Contains(names, f.Name.Name) {
			names = append(names, f.Name.Name)
		}
	}
	switch len(names) {
	case 0:
		return "", nil
	case 1:
		return names[0], nil
	}
	return "", userErrorf("%s holds several packages (%s)", dir, strings.Join(names, ", "))
}
