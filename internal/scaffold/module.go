package scaffold

import (
	"errors"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"runtime"
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

// jsgenTool is the package path of the jsgen command, as go.mod's tool
// directive names it.
const jsgenTool = jsgenModule + "/cmd/jsgen"

// localVersion is the version a go.mod requires of a module it replaces
// with a local directory: any version works, this one says it is no
// published one.
const localVersion = "v0.0.0-00010101000000-000000000000"

// checkoutPlaceholder stands for the user's jsgen checkout when the running
// binary cannot tell where it is.
const checkoutPlaceholder = "/path/to/jsgen"

// source is where the jsgen module of a scaffolded service comes from:
// a published Version from the module proxy, or else a local checkout at
// Dir (empty when unknown), which go.mod must replace the module with.
type source struct {
	Version string
	Dir     string
}

// published reports whether the module can be fetched by version.
func (s source) published() bool { return s.Version != "" }

// dir is the checkout's directory, or a placeholder when it is unknown.
func (s source) dir() string {
	if s.Dir == "" {
		return checkoutPlaceholder
	}
	return s.Dir
}

// requirement is what a new go.mod says about jsgen: the version it
// requires and, for a checkout, the directory that replaces the module
// (quoted for go.mod). Both are empty when the checkout is unknown: the
// printed steps then add them.
func (s source) requirement() (version, replace string) {
	switch {
	case s.published():
		return s.Version, ""
	case s.Dir != "":
		return localVersion, modfile.AutoQuote(s.Dir)
	}
	return "", ""
}

// jsgenSource tells where the running jsgen came from.
func jsgenSource() source {
	bi, _ := debug.ReadBuildInfo()
	_, file, _, _ := runtime.Caller(0)
	return resolveSource(bi, file)
}

// resolveSource derives the source from the build information of the
// running binary and the path this file was compiled from. A version is
// published only when the go command fetched it (a checksum, no replace):
// a binary built in a checkout carries (devel) or a VCS pseudo-version
// that no proxy serves. A checkout's directory is the replacement
// directory the binary was built with, or else the one this file was
// compiled in, if it still holds jsgen's go.mod.
func resolveSource(bi *debug.BuildInfo, thisFile string) source {
	m := jsgenModuleInfo(bi)
	if m != nil && m.Replace == nil && m.Sum != "" && m.Version != "" && m.Version != "(devel)" {
		return source{Version: m.Version}
	}
	if m != nil && m.Replace != nil && m.Replace.Version == "" && isCheckout(m.Replace.Path) {
		return source{Dir: m.Replace.Path}
	}
	if filepath.IsAbs(thisFile) {
		if dir := filepath.Dir(filepath.Dir(filepath.Dir(thisFile))); isCheckout(dir) {
			return source{Dir: dir}
		}
	}
	return source{}
}

// jsgenModuleInfo is the jsgen module in bi: the main module or a
// dependency; nil when it is neither.
func jsgenModuleInfo(bi *debug.BuildInfo) *debug.Module {
	if bi == nil {
		return nil
	}
	if bi.Main.Path == jsgenModule {
		return &bi.Main
	}
	for _, d := range bi.Deps {
		if d.Path == jsgenModule {
			return d
		}
	}
	return nil
}

// isCheckout reports whether dir is an absolute directory whose go.mod
// declares the jsgen module.
func isCheckout(dir string) bool {
	if !filepath.IsAbs(dir) {
		return false
	}
	data, err := os.ReadFile(filepath.Join(dir, "go.mod"))
	return err == nil && modfile.ModulePath(data) == jsgenModule
}

// hasJSGenTool reports whether the go.mod in modRoot already runs jsgen as
// a tool.
func hasJSGenTool(modRoot string) (bool, error) {
	gomod := filepath.Join(modRoot, "go.mod")
	data, err := os.ReadFile(gomod)
	if err != nil {
		return false, errorf("read %s: %w", gomod, err)
	}
	mf, err := modfile.Parse(gomod, data, nil)
	if err != nil {
		return false, userErrorf("%s: %w", gomod, err)
	}
	for _, t := range mf.Tool {
		if t.Path == jsgenTool {
			return true, nil
		}
	}
	return false, nil
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
