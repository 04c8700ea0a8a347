package yamlspec

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/jsgen-dev/jsgen/schema/decl"
	"github.com/jsgen-dev/jsgen/schema/diag"
)

// render prints spec compactly, one declaration per line, every value with
// its @line:col (or @file:line:col when the file is not the spec's), so that
// tests compare positions too.
func render(spec *decl.Spec) string {
	if spec == nil {
		return "<nil>\n"
	}
	r := &renderer{file: spec.File}
	r.line(0, "spec", spec.File, "origin="+origin(spec.Origin), r.optIdent("package", spec.Package))
	for _, t := range spec.Models {
		r.typ("model", t)
	}
	for _, t := range spec.Messages {
		r.typ("message", t)
	}
	for _, u := range spec.Unions {
		r.union(u)
	}
	for _, c := range spec.Channels {
		key := "key=" + r.ident(c.Key)
		if c.KeyParts != nil {
			var parts []string
			for _, p := range c.KeyParts {
				parts = append(parts, r.ident(p.Model))
			}
			key = "key=[" + strings.Join(parts, ",") + "]"
		}
		r.line(0, "channel", r.ident(c.Name), r.doc(c.Doc), key, "message="+r.ident(c.Message), r.str("prefix", c.Prefix))
	}
	for _, b := range spec.Events {
		r.line(0, "events", r.ident(b.Name), r.doc(b.Doc))
		for _, t := range b.Topics {
			r.line(1, "topic", r.strVal(t.Name)+"="+r.ident(t.Payload))
		}
	}
	for _, c := range spec.Controllers {
		r.controller(c)
	}
	return r.b.String()
}

type renderer struct {
	file string
	b    strings.Builder
}

func origin(o decl.Origin) string {
	switch o {
	case decl.FromYAML:
		return "yaml"
	case decl.FromGo:
		return "go"
	}
	return fmt.Sprintf("?%d", int(o))
}

// line writes the non-empty parts, space separated, indented by depth.
func (r *renderer) line(depth int, parts ...string) {
	r.b.WriteString(strings.Repeat("  ", depth))
	sep := ""
	for _, p := range parts {
		if p != "" {
			r.b.WriteString(sep + p)
			sep = " "
		}
	}
	r.b.WriteByte('\n')
}

func (r *renderer) pos(p diag.Pos) string {
	if p.File != r.file {
		return "@" + p.String()
	}
	return fmt.Sprintf("@%d:%d", p.Line, p.Col)
}

func (r *renderer) ident(id decl.Ident) string { return id.Name + r.pos(id.Pos) }

func (r *renderer) optIdent(key string, id decl.Ident) string {
	if id == (decl.Ident{}) {
		return ""
	}
	return key + "=" + r.ident(id)
}

func (r *renderer) optIdentPtr(key string, id *decl.Ident) string {
	if id == nil {
		return ""
	}
	return key + "=" + r.ident(*id)
}

func (r *renderer) strVal(s decl.String) string { return strconv.Quote(s.Value) + r.pos(s.Pos) }

func (r *renderer) str(key string, s *decl.String) string {
	if s == nil {
		return ""
	}
	return key + "=" + r.strVal(*s)
}

func (r *renderer) lit(key string, l *decl.Literal) string {
	if l == nil {
		return ""
	}
	text := l.Text
	if l.Quoted {
		text = strconv.Quote(text)
	}
	return key + "=" + text + r.pos(l.Pos)
}

func (r *renderer) doc(d string) string {
	if d == "" {
		return ""
	}
	return "doc=" + strconv.Quote(d)
}

func (r *renderer) typ(kind string, t *decl.Type) {
	var idValues string
	if t.IDValues != nil || t.IDValuesPos.Line != 0 {
		var values []string
		for _, v := range t.IDValues {
			values = append(values, r.strVal(v))
		}
		idValues = "idValues=[" + strings.Join(values, ",") + "]" + r.pos(t.IDValuesPos)
	}
	r.line(0, kind, r.ident(t.Name), "origin="+origin(t.Origin), r.doc(t.Doc), r.lit("idMaxLength", t.IDMaxLength),
		r.lit("idMinLength", t.IDMinLength), r.str("idPattern", t.IDPattern), idValues)
	for _, f := range t.Fields {
		var values []string
		for _, v := range f.Values {
			values = append(values, r.strVal(v))
		}
		vals := ""
		if f.Values != nil {
			vals = "values=[" + strings.Join(values, ",") + "]"
		}
		r.line(1, "field", r.ident(f.Name), "type="+r.strVal(f.Type), r.optIdent("goName", f.GoName), r.doc(f.Doc),
			r.optIdent("enumName", f.EnumName), r.lit("optional", f.Optional), r.lit("default", f.Default), vals,
			r.lit("minLength", f.MinLength), r.lit("maxLength", f.MaxLength), r.str("pattern", f.Pattern),
			r.lit("min", f.Min), r.lit("max", f.Max), r.lit("minItems", f.MinItems), r.lit("maxItems", f.MaxItems))
	}
}

func (r *renderer) union(u *decl.Union) {
	r.line(0, "union", r.ident(u.Name), "origin="+origin(u.Origin), r.doc(u.Doc),
		r.str("discriminator", u.Discriminator), r.str("default", u.Default))
	for _, v := range u.Variants {
		r.line(1, "variant", r.strVal(v.Tag)+"="+r.ident(v.Message))
	}
}

func (r *renderer) controller(c *decl.Controller) {
	r.line(0, "controller", r.ident(c.Name), r.doc(c.Doc), r.str("prefix", c.Prefix))
	for _, rt := range c.Routes {
		var outs []string
		for _, o := range rt.Out {
			outs = append(outs, r.ident(o))
		}
		out := ""
		if rt.Out != nil {
			out = "out=[" + strings.Join(outs, ",") + "]"
		}
		r.line(1, "route", r.ident(rt.Name), r.doc(rt.Doc), "path="+r.strVal(rt.Path),
			r.optIdentPtr("query", rt.Query), r.optIdentPtr("in", rt.In), out)
		for _, p := range rt.Params {
			r.line(2, "param", r.ident(p.Name)+"="+r.ident(p.Model))
		}
	}
}
