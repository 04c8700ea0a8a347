// Package writer applies generated files to a directory: write only what
// changed, remove stale files that jsgen provably owns, or — for `jsgen
// check` — report the drift as a unified diff without touching anything.
package writer

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/jsgen-dev/jsgen/internal/genfile"
)

// OwnedSuffix is the file name suffix of generated Go files.
const OwnedSuffix = ".jsgen.go"

// Change is one difference between the generated files and the disk.
type Change struct {
	Path string // relative to the directory
	Kind ChangeKind
	Old  []byte // nil when missing
	New  []byte // nil when stale (to be removed)
}

// ChangeKind says what a Change does.
type ChangeKind int

// The kinds of change.
const (
	Create ChangeKind = iota
	Update
	Remove
)

func (k ChangeKind) String() string {
	return [...]string{"create", "update", "remove"}[k]
}

// Diff compares files with the contents of dir and returns the changes that
// would make dir match, sorted by path. Owned files (name ends in
// OwnedSuffix and first line is genfile.GoHeader) that are not among files count as
// stale. Diff never writes.
func Diff(dir string, files []genfile.File) ([]Change, error) {
	var changes []Change
	want := map[string]bool{}
	for _, f := range files {
		if err := checkRel(f.Path); err != nil {
			return nil, err
		}
		want[f.Path] = true
		old, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(f.Path)))
		switch {
		case errors.Is(err, fs.ErrNotExist):
			changes = append(changes, Change{Path: f.Path, Kind: Create, New: f.Data})
		case err != nil:
			return nil, fmt.Errorf("read %s: %w", f.Path, err)
		case !bytes.Equal(old, f.Data):
			changes = append(changes, Change{Path: f.Path, Kind: Update, Old: old, New: f.Data})
		}
	}
	owned, err := ownedFiles(dir)
	if err != nil {
		return nil, err
	}
	for _, name := range owned {
		if !want[name] {
			old, err := os.ReadFile(filepath.Join(dir, name))
			if err != nil {
				return nil, fmt.Errorf("read %s: %w", name, err)
			}
			changes = append(changes, Change{Path: name, Kind: Remove, Old: old})
		}
	}
	slices.SortFunc(changes, func(a, b Change) int { return strings.Compare(a.Path, b.Path) })
	return changes, nil
}

// Apply performs changes in dir. Each file is written to a temporary file
// and renamed into place, so a reader never sees half a file.
func Apply(dir string, changes []Change) error {
	for _, c := range changes {
		path := filepath.Join(dir, filepath.FromSlash(c.Path))
		if c.Kind == Remove {
			if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return fmt.Errorf("remove stale %s: %w", c.Path, err)
			}
			continue
		}
		if err := writeAtomic(path, c.New); err != nil {
			return err
		}
	}
	return nil
}

func writeAtomic(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("create directory for %s: %w", path, err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".jsgen-*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	_, werr := tmp.Write(data)
	cerr := tmp.Close()
	if err := errors.Join(werr, cerr, os.Chmod(tmp.Name(), 0o644)); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// ownedFiles lists the files directly in dir that jsgen generated: their
// name ends in OwnedSuffix and their first line is genfile.GoHeader.
func ownedFiles(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, nil
		}
		return nil, fmt.Errorf("list %s: %w", dir, err)
	}
	var out []string
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), OwnedSuffix) {
			continue
		}
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", e.Name(), err)
		}
		first, _, _ := bytes.Cut(data, []byte("\n"))
		if string(bytes.TrimRight(first, "\r")) == genfile.GoHeader {
			out = append(out, e.Name())
		}
	}
	return out, nil
}

func checkRel(p string) error {
	if p == "" || filepath.IsAbs(p) || strings.HasPrefix(p, "/") || slices.Contains(strings.Split(p, "/"), "..") {
		return fmt.Errorf("generated path %q escapes the output directory", p)
	}
	return nil
}
