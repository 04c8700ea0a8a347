package cli

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/jsgen-dev/jsgen/internal/load"
)

// usageError is a mistake in the command line: a missing directory, a bad
// pattern, a wrong number of arguments. It always means exit 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error {
	return &usageError{fmt.Sprintf(format, args...)}
}

// expandDirs turns the directory arguments of a verb into the package
// directories to work on, in argument order without duplicates. An argument
// is a directory, or a pattern DIR/... (or ...) that stands for every
// directory at or below DIR which declares an app: one that holds a
// jsgen.yaml, or a Go file with a //jsgen: directive or a //go:generate
// line running jsgen. Like the go command, the walk skips testdata and
// vendor directories, directories whose name starts with '.' or '_', and
// nested modules (directories with their own go.mod). A missing directory,
// a file, a pattern of another shape or a pattern that matches nothing is
// a usage error.
func expandDirs(args []string) ([]string, error) {
	var dirs []string
	add := func(d string) {
		if !slices.Contains(dirs, d) {
			dirs = append(dirs, d)
		}
	}
	for _, arg := range args {
		root, isPattern, err := splitPattern(arg)
		if err != nil {
			return nil, err
		}
		if err := checkDir(root); err != nil {
			return nil, err
		}
		if !isPattern {
			add(arg)
			continue
		}
		found, err := declaringDirs(root)
		if err != nil {
			return nil, err
		}
		if len(found) == 0 {
			return nil, usagef("%s matched no directory with declarations (a %s, //jsgen: directives or a //go:generate line running jsgen)", arg, load.ConfigName)
		}
		for _, d := range found {
			add(d)
		}
	}
	return dirs, nil
}

// splitPattern returns the directory an argument names and whether it is a
// DIR/... pattern.
func splitPattern(arg string) (root string, isPattern bool, err error) {
	if arg == "" {
		return "", false, usagef("an empty directory argument")
	}
	if arg == "..." {
		return ".", true, nil
	}
	if rest, ok := strings.CutSuffix(filepath.ToSlash(arg), "/..."); ok {
		if strings.Contains(rest, "...") {
			return "", false, usagef("pattern %q: only DIR/... is supported", arg)
		}
		if rest == "" {
			rest = "/"
		}
		return filepath.FromSlash(rest), true, nil
	}
	if strings.Contains(arg, "...") {
		return "", false, usagef("pattern %q: only DIR/... is supported (every directory at or below DIR)", arg)
	}
	return arg, false, nil
}

// checkDir reports a usage error unless dir is an existing directory.
func checkDir(dir string) error {
	fi, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return usagef("directory %s does not exist", dir)
	case err != nil:
		return usagef("directory %s: %v", dir, err)
	case !fi.IsDir():
		return usagef("%s is not a directory", dir)
	}
	return nil
}

// declaringDirs walks root and returns the directories that declare an app,
// in lexical order. Paths keep root's spelling ("./chat", not "chat").
func declaringDirs(root string) ([]string, error) {
	var out []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return fmt.Errorf("walk %s: %w", root, err)
		}
		if !d.IsDir() {
			return nil
		}
		if path != root {
			if skipDir(d.Name()) {
				return filepath.SkipDir
			}
			if _, err := os.Stat(filepath.Join(path, "go.mod")); err == nil {
				return filepath.SkipDir
			}
		}
		ok, err := declares(path)
		if err != nil {
			return err
		}
		if ok {
			out = append(out, keepDotSlash(root, path))
		}
		return nil
	})
	return out, err
}

// skipDir reports whether a pattern walk skips a directory of this name, as
// the go command does.
func skipDir(name string) bool {
	return name == "testdata" || name == "vendor" || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_")
}

// keepDotSlash keeps a leading "./" of root on the paths below it, so that
// messages name directories the way the user wrote them.
func keepDotSlash(root, path string) string {
	if (root == "." || strings.HasPrefix(root, "."+string(filepath.Separator))) && path != "." && !strings.HasPrefix(path, ".") {
		return "." + string(filepath.Separator) + path
	}
	return path
}

// declares reports whether dir holds jsgen.yaml or a Go file (other than a
// test or jsgen's own output) with a //jsgen: directive or a //go:generate
// line that runs jsgen.
func declares(dir string) (bool, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return false, fmt.Errorf("list %s: %w", dir, err)
	}
	for _, e := range entries {
		n := e.Name()
		if e.IsDir() {
			continue
		}
		if n == load.ConfigName {
			return true, nil
		}
		if !strings.HasSuffix(n, ".go") || strings.HasSuffix(n, "_test.go") || strings.HasSuffix(n, ".jsgen.go") {
			continue
		}
		data, err := os.ReadFile(filepath.Join(dir, n))
		if err != nil {
			return false, fmt.Errorf("read %s: %w", filepath.Join(dir, n), err)
		}
		if mentionsJSGen(data) {
			return true, nil
		}
	}
	return false, nil
}

// mentionsJSGen reports whether Go source has a line starting with a
// //jsgen: directive or a //go:generate directive that runs jsgen.
func mentionsJSGen(src []byte) bool {
	sc := bufio.NewScanner(bytes.NewReader(src))
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	for sc.Scan() {
		line := bytes.TrimSpace(sc.Bytes())
		if bytes.HasPrefix(line, []byte("//jsgen:")) {
			return true
		}
		if gen, ok := bytes.CutPrefix(line, []byte("//go:generate ")); ok && bytes.Contains(gen, []byte("jsgen")) {
			return true
		}
	}
	return false
}
