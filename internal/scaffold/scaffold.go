// Package scaffold creates a user's starting files from the embedded
// templates (package templates): `jsgen init` adds declarations and a
// go:generate file to a package directory, `jsgen new room-service NAME`
// creates a complete, runnable room service. Both then run generate
// in-process, so the tree compiles as soon as the module has its
// requirements (`go mod tidy`), and print the commands that get there.
//
// A go.mod the scaffolder writes runs jsgen as a tool (a tool directive)
// and requires the jsgen that is scaffolding: its published version, or,
// for a jsgen built from a checkout, the checkout itself through a replace
// directive, so the module proxy is never asked for an unpublished
// version. In an existing module without jsgen, the printed steps add it
// the same way.
//
// Scaffolded files belong to the user: they never carry a "Code generated"
// header, and an existing file is never overwritten unless Options.Force is
// set. Files are written only after every one of them has been rendered and
// checked for conflicts, so a refusal leaves the tree untouched.
package scaffold

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"

	"github.com/jsgen-dev/jsgen/templates"
)

// SchemaURL is where the JSON Schema of jsgen.yaml is published; every
// scaffolded jsgen.yaml names it in its yaml-language-server comment.
const SchemaURL = "https://raw.githubusercontent.com/jsgen-dev/jsgen/main/schema/yamlspec/jsgen.schema.json"

// Options configures Init and NewRoomService.
type Options struct {
	// Dir is the target directory, created if missing: the package
	// directory for Init, the parent of the NAME directory for
	// NewRoomService. Empty means ".".
	Dir string
	// Name is the service name for NewRoomService (e.g. "lobby"): lower-case
	// letters and digits, starting with a letter, optionally split by single
	// '-' or '_'. For Init it is the Go package name; empty derives it from
	// the package's existing Go files, else from the directory name.
	Name string
	// Module is the Go module path. When a go.mod encloses the target its
	// module path is used (and Module, if set, must equal it); otherwise a
	// go.mod is written with Module, default "example.com/<name>", that
	// requires jsgen and runs it as a tool.
	Module string
	// Force overwrites existing files instead of refusing.
	Force bool
	// Stdout receives one line per file written and the next commands to
	// run; nil discards them.
	Stdout io.Writer

	// source overrides where jsgen comes from (tests); nil asks the
	// running binary.
	source *source
}

// jsgenSource is where the scaffolded module gets jsgen from.
func (o Options) jsgenSource() source {
	if o.source != nil {
		return *o.source
	}
	return jsgenSource()
}

// Init scaffolds jsgen.yaml and generate.go into the package directory
// o.Dir (plus a go.mod there when no go.mod encloses it), then generates
// the package's *.jsgen.go files. It returns the paths written (o.Dir
// joined with each file's relative path): scaffolded files first, then
// generated ones. Without o.Force it writes nothing and returns an error
// naming every file that already exists.
func Init(ctx context.Context, o Options) ([]string, error) {
	o = o.withDefaults()
	pkg, existed, err := initPackage(o.Dir, o.Name)
	if err != nil {
		return nil, err
	}
	p, err := newPlan(o, pkg, ".")
	if err != nil {
		return nil, err
	}
	p.data.Package = pkg
	p.data.PackageDoc = !existed
	p.add(".", "jsgen.yaml", templates.JSGenYAML)
	p.add(".", "generate.go", templates.GenerateGo)
	return p.run(ctx, ".", func() { p.printNext(o.Dir, "go build ./...", nil) })
}

// NewRoomService scaffolds a runnable room service in o.Dir/o.Name:
// api/jsgen.yaml (Room and User models, a client message, a union of room
// events, a room channels family and a controller with one room route),
// api/generate.go, main.go and server.go (handlers implementing the
// generated controller on runtime/ws, runtime/channel and runtime/room,
// with graceful shutdown; every route requires a bearer token, verified
// with runtime/auth, and `dev-token NAME` prints one for development) and
// README.md, and go.mod when no go.mod encloses the
// directory. It then generates api/*.jsgen.go. It returns the paths
// written, scaffolded files first. Without o.Force it writes nothing and
// returns an error naming every file that already exists; an invalid
// o.Name is refused before anything is touched.
func NewRoomService(ctx context.Context, o Options) ([]string, error) {
	o = o.withDefaults()
	if err := CheckServiceName(o.Name); err != nil {
		return nil, err
	}
	p, err := newPlan(o, o.Name, o.Name)
	if err != nil {
		return nil, err
	}
	p.data.Package = "api"
	p.data.PackageDoc = true
	p.data.APIPackage = "api"
	p.data.APIImport = joinImport(p.modulePath, p.serviceRel, "api")
	p.add("api", "jsgen.yaml", templates.JSGenYAML)
	p.add("api", "generate.go", templates.GenerateGo)
	p.add(".", "main.go", templates.MainGo)
	p.add(".", "server.go", templates.ServerGo)
	p.add(".", "README.md", templates.ReadmeMD)
	return p.run(ctx, "api", func() {
		p.printNext(filepath.Join(o.Dir, o.Name), "go run .", []string{"go tool jsgen schema -o web/api ./api"})
	})
}

func (o Options) withDefaults() Options {
	if o.Dir == "" {
		o.Dir = "."
	}
	o.Dir = filepath.Clean(o.Dir)
	if o.Stdout == nil {
		o.Stdout = io.Discard
	}
	return o
}

// ErrUser matches (errors.Is) failures the user fixes: a bad name, a refusal
// to overwrite existing files, a module or package that contradicts the disk.
var ErrUser = errors.New("scaffold: invalid request")

type userError struct{ error }

func (userError) Is(target error) bool { return target == ErrUser }
func (e userError) Unwrap() error      { return e.error }

// userErrorf is errorf for failures the user fixes; they match ErrUser.
func userErrorf(format string, args ...any) error {
	return userError{errorf(format, args...)}
}

// errorf wraps a scaffolding failure with the verb's context.
func errorf(format string, args ...any) error {
	return fmt.Errorf("scaffold: "+format, args...)
}
