package gospec

import (
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"slices"
	"strings"

	"github.com/jsgen-dev/jsgen/schema/decl"
	"github.com/jsgen-dev/jsgen/schema/diag"
)

// fieldTags is the decoded struct tag of a field.
type fieldTags struct {
	lit      *ast.BasicLit // nil: no tag
	json     tagText
	hasJSON  bool
	jsgen    tagText
	hasJsgen bool
	opts     []tagOption // parsed jsgen options
}

// readTags decodes a field's tag and parses its jsgen options. ok is false
// when the tag is malformed (already reported).
func (l *loader) readTags(f *ast.Field) (fieldTags, bool) {
	var tags fieldTags
	if f.Tag == nil {
		return tags, true
	}
	tags.lit = f.Tag
	lit, err := decodeLiteral(f.Tag.Value)
	if err != nil {
		l.diags.Add(l.pos(f.Tag.Pos()), "malformed struct tag: %v", err)
		return tags, false
	}
	var terr *tagError
	if tags.json, tags.hasJSON, terr = lookupTag(lit, "json"); terr == nil {
		tags.jsgen, tags.hasJsgen, terr = lookupTag(lit, "jsgen")
	}
	if terr != nil {
		l.diags.AddHint(l.at(f.Tag, lit.off(terr.Off)), escapeHint(terr.Seq, f.Tag.Value), "%s", terr.Msg)
		return tags, false
	}
	if tags.hasJsgen {
		if tags.opts, terr = parseTag(tags.jsgen.text); terr != nil {
			l.diags.Add(l.tagPos(tags, terr.Off), "malformed jsgen tag: %s", terr.Msg)
			return tags, false
		}
	}
	return tags, true
}

// escapeHint explains how to write the backslash sequence seq (such as \d in
// a pattern) in a struct tag whose literal source is src; "" when seq is "".
// The value of a tag key is a Go string, so a backslash is written \\ there;
// in a tag that is itself a double-quoted Go string, each is escaped again.
func escapeHint(seq, src string) string {
	if seq == "" {
		return ""
	}
	esc := `\\` + seq[1:]
	if strings.HasPrefix(src, "`") {
		return fmt.Sprintf(`the value of a struct tag key is a Go string, so a backslash is written \\: write %s instead of %s`, esc, seq)
	}
	return fmt.Sprintf(`the value of a struct tag key is a Go string, so a backslash is written \\, and in a double-quoted tag each is escaped again (\\\\%s): prefer a raw-string tag, where %s is written %s`, seq[1:], seq, esc)
}

// at returns the position of byte off of a tag literal's source.
func (l *loader) at(lit *ast.BasicLit, off int) diag.Pos {
	return l.pos(lit.Pos() + token.Pos(off))
}

// tagPos returns the position of byte off of the jsgen tag value.
func (l *loader) tagPos(tags fieldTags, off int) diag.Pos {
	return l.at(tags.lit, tags.jsgen.off(off))
}

// yamlOnly explains the YAML keys that the Go form spells differently.
var yamlOnly = map[string]string{
	"goName":   "in Go, the field's own name is its Go name",
	"enumName": "in Go, the field's named string type is the enum type",
	"doc":      "in Go, write a doc comment on the field",
	"values":   "in Go, enum values are written enum=a|b",
	"type":     "in Go, the field's type is its type",
	"name":     "in Go, the json tag names the field on the wire",
}

// options checks the jsgen options of a field against the allowed keys
// (which take a value) and flags (which do not), reports the others, and
// returns the good ones by key.
func (l *loader) options(tags fieldTags, label string, keys, flags []string) map[string]tagOption {
	out := map[string]tagOption{}
	for _, o := range tags.opts {
		switch {
		case slices.Contains(keys, o.Key):
			if !o.HasValue {
				l.diags.AddHint(l.tagPos(tags, o.KeyOff), "write "+o.Key+"=value", "%s: option %s needs a value", label, o.Key)
				continue
			}
		case slices.Contains(flags, o.Key):
			if o.HasValue {
				l.diags.AddHint(l.tagPos(tags, o.KeyOff), "write "+o.Key+" alone", "%s: option %s is a flag and takes no value", label, o.Key)
				continue
			}
		default:
			all := append(append([]string(nil), keys...), flags...)
			if len(all) == 0 {
				l.diags.Add(l.tagPos(tags, o.KeyOff), "%s: unknown jsgen option %q (this field takes none)", label, o.Key)
				continue
			}
			hint := yamlOnly[o.Key]
			if hint == "" {
				hint = didYouMean(o.Key, all, "%s")
			}
			l.diags.AddHint(l.tagPos(tags, o.KeyOff), hint, "%s: unknown jsgen option %q", label, o.Key)
			continue
		}
		out[o.Key] = o
	}
	return out
}

// The options of model and message fields.
var (
	fieldKeys  = []string{"default", "minLength", "maxLength", "pattern", "min", "max", "minItems", "maxItems", "enum"}
	fieldFlags = []string{"optional"}
)

// wireName reads a field's wire name from its json tag.
func (l *loader) wireName(label string, fn *ast.Ident, tags fieldTags, tagsOK bool) (decl.Ident, bool) {
	if !tagsOK {
		return decl.Ident{}, false
	}
	if !tags.hasJSON {
		l.diags.AddHint(l.pos(fn.Pos()), "add `json:\""+lowerFirst(fn.Name)+"\"`", "%s has no json tag", label)
		return decl.Ident{}, false
	}
	name, opts, _ := strings.Cut(tags.json.text, ",")
	pos := l.at(tags.lit, tags.json.off(0))
	switch {
	case name == "-" && opts == "":
		l.diags.AddHint(pos, "every field is on the wire: give it a json name, or move it out of the struct",
			"%s is left out of JSON (json:\"-\")", label)
		return decl.Ident{}, false
	case name == "":
		l.diags.AddHint(pos, "write `json:\""+lowerFirst(fn.Name)+tagSuffix(opts)+"\"`", "%s: the json tag has no name", label)
		return decl.Ident{}, false
	}
	off := len(name) + 1
	for _, o := range strings.Split(opts, ",") {
		if opts != "" && o != "omitempty" && o != "omitzero" {
			l.diags.AddHint(l.at(tags.lit, tags.json.off(off)), "jsgen reads omitempty and omitzero only",
				"%s: json option %q is not supported", label, o)
		}
		off += len(o) + 1
	}
	return decl.Ident{Name: name, Pos: pos}, true
}

func tagSuffix(opts string) string {
	if opts == "" {
		return ""
	}
	return "," + opts
}

// fieldDoc is a field's doc comment, or its line comment.
func fieldDoc(f *ast.Field) string {
	if f.Doc != nil {
		return strings.TrimSpace(f.Doc.Text())
	}
	if f.Comment != nil {
		return strings.TrimSpace(f.Comment.Text())
	}
	return ""
}

// fields reads the fields of a model or message struct.
func (l *loader) fields(a *annotated, st *ast.StructType) []*decl.Field {
	var out []*decl.Field
	for _, f := range st.Fields.List {
		tags, ok := l.readTags(f)
		for _, fn := range l.fieldNames(f, "field") {
			if df := l.field(a, f, fn, tags, ok); df != nil {
				out = append(out, df)
			}
		}
	}
	return out
}

// field reads one field of a model or message.
func (l *loader) field(a *annotated, f *ast.Field, fn *ast.Ident, tags fieldTags, tagsOK bool) *decl.Field {
	label := a.spec.Name.Name + "." + fn.Name
	if !fn.IsExported() {
		l.diags.AddHint(l.pos(fn.Pos()), "export it, or move it out of the struct",
			"%s is unexported: every field of a %s is on the wire", label, a.dir.Name)
		return nil
	}
	wire, okName := l.wireName(label, fn, tags, tagsOK)
	opts := map[string]tagOption{}
	if tagsOK {
		opts = l.options(tags, label, fieldKeys, fieldFlags)
	}
	df := &decl.Field{Name: wire, GoName: l.ident(fn), Doc: fieldDoc(f)}
	okType := l.fieldType(a, df, f, fn, opts, tags)
	if !okName || !okType {
		return nil
	}
	l.fieldOptions(df, opts, tags)
	return df
}

// fieldType sets the type of df from the field's Go type.
func (l *loader) fieldType(a *annotated, df *decl.Field, f *ast.Field, fn *ast.Ident, opts map[string]tagOption, tags fieldTags) bool {
	label := a.spec.Name.Name + "." + fn.Name
	t := l.pkg.TypesInfo.TypeOf(f.Type)
	if isInvalid(t) {
		l.invalidType(f.Type, label)
		return false
	}
	ptr, isPtr := types.Unalias(t).(*types.Pointer)
	if isPtr {
		t = ptr.Elem()
		if nilable(t) {
			l.diags.AddHint(l.pos(f.Type.Pos()), "use "+l.typeString(t)+" with the optional flag",
				"%s: a pointer to a slice, map or interface is not supported", label)
			return false
		}
	}
	enum, hasEnum := opts["enum"]
	m, prob := l.typeExpr(t, hasEnum)
	switch {
	case prob != nil && prob.invalid:
		l.invalidType(f.Type, label)
		return false
	case prob != nil:
		l.diags.AddHint(l.pos(f.Type.Pos()), supportedTypes, "%s: %s", label, prob.msg)
		return false
	}
	tpos := l.pos(f.Type.Pos())
	df.Type = decl.String{Value: m.expr, Pos: tpos}
	if m.enumName != "" {
		df.EnumName = decl.Ident{Name: m.enumName, Pos: tpos}
	} else if hasEnum {
		l.diags.AddHint(l.tagPos(tags, enum.KeyOff),
			"declare `type "+a.spec.Name.Name+fn.Name+" string` and give the field that type",
			"%s: enum values need a named string type, not %s", label, l.typeString(t))
	}
	if isPtr {
		df.Optional = &decl.Literal{Text: "true", Pos: l.pos(fn.Pos())}
		if d, ok := opts["default"]; ok {
			l.diags.AddHint(l.tagPos(tags, d.KeyOff), "use "+l.typeString(t)+": the default fills it in when absent",
				"%s: a field with a default is not a pointer", label)
		}
		return true
	}
	if o, ok := opts["optional"]; ok && !nilable(t) {
		l.diags.AddHint(l.tagPos(tags, o.KeyOff), "make it *"+l.typeString(t)+" instead",
			"%s: an optional %s field is a pointer in Go", label, l.typeString(t))
	}
	return true
}

// nilable reports whether t is a slice, map or interface: types whose
// optional fields are marked with the optional flag rather than a pointer.
func nilable(t types.Type) bool {
	switch t.Underlying().(type) {
	case *types.Slice, *types.Map, *types.Interface:
		return true
	}
	return false
}

// fieldOptions copies the jsgen options of a field into df.
func (l *loader) fieldOptions(df *decl.Field, opts map[string]tagOption, tags fieldTags) {
	lit := func(o tagOption) *decl.Literal {
		return &decl.Literal{Text: o.Value, Quoted: o.Quoted, Pos: l.tagPos(tags, o.ValOff)}
	}
	for _, o := range tags.opts {
		if _, ok := opts[o.Key]; !ok {
			continue // reported by options
		}
		switch o.Key {
		case "optional":
			df.Optional = &decl.Literal{Text: "true", Pos: l.tagPos(tags, o.KeyOff)}
		case "default":
			df.Default = lit(o)
		case "minLength":
			df.MinLength = lit(o)
		case "maxLength":
			df.MaxLength = lit(o)
		case "min":
			df.Min = lit(o)
		case "max":
			df.Max = lit(o)
		case "minItems":
			df.MinItems = lit(o)
		case "maxItems":
			df.MaxItems = lit(o)
		case "pattern":
			df.Pattern = &decl.String{Value: o.Value, Pos: l.tagPos(tags, o.ValOff)}
		case "enum":
			df.Values = l.enumValues(o, tags)
		}
	}
}

// enumValues splits enum=a|b|c into its values, each with its position.
func (l *loader) enumValues(o tagOption, tags fieldTags) []decl.String {
	var out []decl.String
	off := o.textOff()
	for _, v := range strings.Split(o.Value, "|") {
		out = append(out, decl.String{Value: v, Pos: l.tagPos(tags, off)})
		off += len(v) + 1
	}
	return out
}
