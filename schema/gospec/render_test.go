package gospec

import (
	"fmt"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/jsgen-dev/jsgen/schema/decl"
	"github.com/jsgen-dev/jsgen/schema/diag"
)

// dump prints a spec one declaration per line, every value followed by its
// @file:line:col, so that tests compare positions as well as values. Files
// under dir are printed relative to it.
func dump(spec *decl.Spec, dir string) string {
	d := &dumper{dir: dir}
	d.line(0, "spec", d.short(spec.File), fmt.Sprintf("origin=%d", spec.Origin), d.optIdent("package", spec.Package))
	for _, t := range spec.Models {
		d.typ("model", t)
	}
	for _, t := range spec.Messages {
		d.typ("message", t)
	}
	for _, u := range spec.Unions {
		d.line(0, "union", d.ident(u.Name), fmt.Sprintf("origin=%d", u.Origin), d.doc(u.Doc),
			d.optStr("discriminator", u.Discriminator), d.optStr("default", u.Default))
		for _, v := range u.Variants {
			d.line(1, "variant", d.str(v.Tag), "message="+d.ident(v.Message))
		}
	}
	for _, c := range spec.Channels {
		key := "key=" + d.ident(c.Key)
		if c.KeyParts != nil {
			var parts []string
			for _, p := range c.KeyParts {
				parts = append(parts, d.ident(p.GoName)+":"+d.ident(p.Model))
			}
			key += "[" + strings.Join(parts, " ") + "]"
		}
		d.line(0, "channels", d.ident(c.Name), d.doc(c.Doc), key, "message="+d.ident(c.Message), d.optStr("prefix", c.Prefix))
	}
	for _, b := range spec.Events {
		d.line(0, "events", d.ident(b.Name), d.doc(b.Doc))
		for _, t := range b.Topics {
			d.line(1, "topic", d.str(t.Name), "payload="+d.ident(t.Payload), d.optIdent("goName", t.GoName))
		}
	}
	for _, c := range spec.Controllers {
		d.line(0, "controller", d.ident(c.Name), d.doc(c.Doc), d.optStr("prefix", c.Prefix))
		for _, r := range c.Routes {
			parts := []string{"route", d.ident(r.Name), d.doc(r.Doc), "path=" + d.str(r.Path)}
			if r.Query != nil {
				parts = append(parts, "query="+d.ident(*r.Query))
			}
			if r.In != nil {
				parts = append(parts, "in="+d.ident(*r.In))
			}
			for _, o := range r.Out {
				parts = append(parts, "out="+d.ident(o))
			}
			d.line(1, parts...)
			for _, p := range r.Params {
				d.line(2, "param", d.ident(p.Name), "model="+d.ident(p.Model))
			}
		}
	}
	return d.b.String()
}

type dumper struct {
	dir string
	b   strings.Builder
}

func (d *dumper) short(file string) string {
	if file == d.dir {
		return "."
	}
	return strings.TrimPrefix(file, d.dir+string(filepath.Separator))
}

func (d *dumper) line(depth int, parts ...string) {
	d.b.WriteString(strings.Repeat("\t", depth))
	sep := ""
	for _, p := range parts {
		if p != "" {
			d.b.WriteString(sep + p)
			sep = " "
		}
	}
	d.b.WriteByte('\n')
}

func (d *dumper) pos(p diag.Pos) string {
	p.File = d.short(p.File)
	return "@" + p.String()
}

func (d *dumper) ident(id decl.Ident) string { return id.Name + d.pos(id.Pos) }

func (d *dumper) optIdent(key string, id decl.Ident) string {
	if id == (decl.Ident{}) {
		return ""
	}
	return key + "=" + d.ident(id)
}

func (d *dumper) str(s decl.String) string { return strconv.Quote(s.Value) + d.pos(s.Pos) }

func (d *dumper) optStr(key string, s *decl.String) string {
	if s == nil {
		return ""
	}
	return key + "=" + d.str(*s)
}

func (d *dumper) lit(key string, l *decl.Literal) string {
	if l == nil {
		return ""
	}
	text := l.Text
	if l.Quoted {
		text = "'" + text + "'"
	}
	return key + "=" + text + d.pos(l.Pos)
}

func (d *dumper) doc(s string) string {
	if s == "" {
		return ""
	}
	return "doc=" + strconv.Quote(s)
}

func (d *dumper) typ(kind string, t *decl.Type) {
	idValues := ""
	if t.IDValues != nil {
		var vals []string
		for _, v := range t.IDValues {
			vals = append(vals, d.str(v))
		}
		idValues = "idValues=[" + strings.Join(vals, " ") + "]" + d.pos(t.IDValuesPos)
	}
	d.line(0, kind, d.ident(t.Name), fmt.Sprintf("origin=%d", t.Origin), d.doc(t.Doc), d.lit("idMaxLength", t.IDMaxLength),
		d.lit("idMinLength", t.IDMinLength), d.optStr("idPattern", t.IDPattern), idValues)
	for _, f := range t.Fields {
		values := ""
		if f.Values != nil {
			vs := make([]string, len(f.Values))
			for i, v := range f.Values {
				vs[i] = d.str(v)
			}
			values = "values=[" + strings.Join(vs, " ") + "]"
		}
		d.line(1, "field", d.ident(f.Name), d.optIdent("goName", f.GoName), "type="+d.str(f.Type),
			d.optIdent("enumName", f.EnumName), d.doc(f.Doc), d.lit("optional", f.Optional), d.lit("default", f.Default), values,
			d.lit("minLength", f.MinLength), d.lit("maxLength", f.MaxLength), d.optStr("pattern", f.Pattern),
			d.lit("min", f.Min), d.lit("max", f.Max), d.lit("minItems", f.MinItems), d.lit("maxItems", f.MaxItems))
	}
}
