// Package yamlspec is the YAML front-end: it reads a jsgen.yaml into raw
// declarations (package decl), keeping the file position of every value.
//
// It checks only what is specific to YAML: syntax, the shape of the document
// (which keys exist at each level and what kind of node each one holds),
// duplicate keys, and the version. Names, references, types and constraints
// are checked later, for both front-ends, by package ir.
package yamlspec

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	"go.yaml.in/yaml/v3"

	"github.com/jsgen-dev/jsgen/schema/decl"
	"github.com/jsgen-dev/jsgen/schema/diag"
)

// Parse reads the jsgen.yaml held in data; path is used only to position
// diagnostics and is recorded as the spec's File.
//
// Every declaration in the returned spec, and the spec itself, has Origin
// decl.FromYAML; every value carries the line:col where it was written; the
// slices keep the order of the file. All problems found are returned at once,
// sorted by position. The spec is nil only when the document could not be
// read at all (syntax error, empty document, not a mapping); otherwise it
// holds every declaration whose shape is sound, even when diagnostics are
// returned too; the models, messages and unions it leaves out are named in
// Spec.Broken. Parse never expands YAML aliases (it rejects them), so its
// cost is linear in the size of the input.
func Parse(path string, data []byte) (*decl.Spec, diag.List) {
	p := &parser{file: path, data: data, lines: newLineIndex(data)}
	spec := p.parse()
	return spec, p.diags.Sorted()
}

// parser holds the state of one Parse call.
type parser struct {
	file  string
	data  []byte
	lines *lineIndex
	diags diag.List
	// broken names the models, messages and unions left out after a report.
	broken []decl.Ident
}

// parse reads the document and, when it is a mapping, the declarations.
func (p *parser) parse() *decl.Spec {
	if !p.checkEncoding() {
		return nil
	}
	root := p.decode()
	if root == nil {
		return nil
	}
	spec := &decl.Spec{Origin: decl.FromYAML, File: p.file}
	p.topLevel(root, spec)
	spec.Broken = p.broken
	return spec
}

// decode parses the YAML stream and returns the root mapping of its single
// document, or nil after reporting why there is none.
func (p *parser) decode() *yaml.Node {
	dec := yaml.NewDecoder(bytes.NewReader(p.data))
	var doc yaml.Node
	if err := p.safeDecode(dec, &doc); err != nil {
		if errors.Is(err, io.EOF) {
			p.emptyDocument(p.pos(1, 1))
		} else {
			p.syntaxError(err)
		}
		return nil
	}
	p.checkSingleDocument(dec)
	if len(doc.Content) == 0 {
		p.emptyDocument(p.pos(1, 1))
		return nil
	}
	root := doc.Content[0]
	switch {
	case isNull(root):
		p.emptyDocument(p.pos(max(min(root.Line, p.lines.lineCount()), 1), 1))
		return nil
	case root.Kind != yaml.MappingNode:
		p.diags.AddHint(p.nodePos(root), "start with `version: 1`, then `models:`, `messages:` and so on",
			"the document must be a mapping of keys such as `version` and `models`, found %s", describe(root))
		return nil
	}
	return root
}

// checkSingleDocument reports a second document in the stream: jsgen.yaml
// holds exactly one.
func (p *parser) checkSingleDocument(dec *yaml.Decoder) {
	var next yaml.Node
	err := p.safeDecode(dec, &next)
	switch {
	case errors.Is(err, io.EOF):
	case err != nil:
		p.syntaxError(err)
	default:
		p.diags.AddHint(p.pos(max(next.Line, 1), 1), "remove the `---` separator and merge the documents",
			"jsgen.yaml must hold a single YAML document, found another one")
	}
}

// safeDecode runs the YAML decoder, turning a panic inside the library into
// an error so that malformed input can never crash the caller.
func (p *parser) safeDecode(dec *yaml.Decoder, n *yaml.Node) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("yaml: %v", r)
		}
	}()
	return dec.Decode(n)
}

// emptyDocument reports a document without content.
func (p *parser) emptyDocument(pos diag.Pos) {
	p.diags.AddHint(pos, "add `version: 1` at the top", "empty document")
}

// pos returns a position in the file being parsed.
func (p *parser) pos(line, col int) diag.Pos {
	return diag.Pos{File: p.file, Line: line, Col: col}
}

// nodePos returns the position where n was written.
func (p *parser) nodePos(n *yaml.Node) diag.Pos {
	line := max(n.Line, 1)
	return p.pos(line, max(p.lines.byteCol(line, n.Column), 1))
}
