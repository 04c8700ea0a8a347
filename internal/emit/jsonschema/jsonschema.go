// Package jsonschema writes the JSON Schema documents of a program's wire
// types, built by internal/wireschema, as files: <Name>.schema.json per
// model, message and union, in canonical JSON form. It is pure (IR in,
// files out).
package jsonschema

import (
	"github.com/jsgen-dev/jsgen/internal/genfile"
	"github.com/jsgen-dev/jsgen/internal/wireschema"
	"github.com/jsgen-dev/jsgen/schema/ir"
)

// Generate returns the JSON Schema documents of p in canonical form: one
// per model, message and union (wireschema.Messages) and, for apps with
// controllers, the document of the error frame every route may send
// (wireschema.ErrorFrame). It fails only if p is not a consistent IR.
func Generate(p *ir.Program) ([]genfile.File, error) {
	files, err := wireschema.Messages(p)
	if err != nil || len(p.Controllers) == 0 {
		return files, err
	}
	ef, err := wireschema.ErrorFrame()
	if err != nil {
		return nil, err
	}
	return append(files, ef), nil
}
