// Package templates holds the text/template files that `jsgen init` and
// `jsgen new room-service` render into a user's tree. The rendered files are
// the user's own: none of them carries a "Code generated" header, and jsgen
// never rewrites them (generated code comes from the emitters in
// internal/emit/golang, never from templates).
//
// Each template is executed with the data internal/scaffold documents; the
// set of names is fixed (see Names).
package templates

import (
	"embed"
	"io/fs"
)

//go:embed *.tmpl
var files embed.FS

// The template names.
const (
	JSGenYAML  = "jsgen.yaml.tmpl"  // the declarations (package dir)
	GenerateGo = "generate.go.tmpl" // package doc + //go:generate line (package dir)
	GoMod      = "go.mod.tmpl"      // a new module, when none encloses the target
	MainGo     = "main.go.tmpl"     // the room service's command: flags, listener, graceful shutdown
	ServerGo   = "server.go.tmpl"   // the handlers implementing the generated controller interface
	ReadmeMD   = "README.md.tmpl"   // the room service's README: running it, tokens, the dev-token helper
)

// Names lists every template name, in the order above.
func Names() []string {
	return []string{JSGenYAML, GenerateGo, GoMod, MainGo, ServerGo, ReadmeMD}
}

// FS returns the embedded templates, read-only. Every name in Names is in it.
func FS() fs.FS { return files }
