package golang

import (
	"github.com/dave/jennifer/jen"

	"github.com/jsgen-dev/jsgen/schema/ir"
)

// vpath says where a value sits, so that a violation can name its JSON
// path: below parent (a *jsonx.Path, or a jsonx.Path local) under a
// constant member name, a map-key variable or an array-index variable.
type vpath struct {
	parent      string // variable name
	parentIsPtr bool   // parent is a *jsonx.Path (the p parameter)
	key         string // constant member name
	keyVar      string // variable holding a map key
	idxVar      string // variable holding an array index
}

// ptr is the parent as a *jsonx.Path expression.
func (v vpath) ptr() jen.Code {
	if v.parentIsPtr {
		return jen.Id(v.parent)
	}
	return jen.Op("&").Id(v.parent)
}

// str renders the path string; it runs only when a violation is recorded.
func (v vpath) str() jen.Code {
	switch {
	case v.idxVar != "":
		return jen.Id(v.parent).Dot("Elem").Call(jen.Id(v.idxVar))
	case v.keyVar != "":
		return jen.Id(v.parent).Dot("Child").Call(jen.Id(v.keyVar))
	}
	return jen.Id(v.parent).Dot("Child").Call(jen.Lit(v.key))
}

// node declares a jsonx.Path local for the value itself, for nested values.
//
//	fp1 := jsonx.Path{Parent: p, Key: "items"}
func (v vpath) node(name string) (jen.Code, vpath) {
	var lit jen.Code
	switch {
	case v.idxVar != "":
		lit = pathLit(v.ptr(), indexFields(jen.Id(v.idxVar))...)
	case v.keyVar != "":
		lit = pathLit(v.ptr(), keyField(jen.Id(v.keyVar)))
	default:
		lit = pathLit(v.ptr(), keyField(jen.Lit(v.key)))
	}
	return jen.Id(name).Op(":=").Add(lit), vpath{parent: name}
}

// fieldPath is where field f of the value at parameter p sits.
func fieldPath(f *ir.Field) vpath { return vpath{parent: "p", parentIsPtr: true, key: f.Name} }

// vctx carries what validation code for one field needs.
type vctx struct {
	owner string
	field *ir.Field
	nm    *names
}

// add records a violation: errs.Add(<path>, msg).
func add(at vpath, msg jen.Code) jen.Code {
	return jen.Id("errs").Dot("Add").Call(at.str(), msg)
}

// emitValidate emits Validate and the internal validator of a model or
// message:
//
//	// Validate reports every constraint violation of m ...
//	func (m *ClientMessage) Validate() error {
//		var errs jsgenrt.FieldErrors
//		m.jsgenValidate(&errs, nil)
//		return errs.Err()
//	}
//
//	func (m *ClientMessage) jsgenValidate(errs *jsgenrt.FieldErrors, p *jsonx.Path) {
//		if !m.Type.Valid() {
//			errs.Add(p.Child("type"), jsonx.EnumMsg(string(m.Type), "message, typing"))
//		}
//		...
//	}
//
// Nothing allocates unless a violation is recorded: paths are jsonx.Path
// values on the stack, rendered to strings only for errs.Add.
func (g *generator) emitValidate(f *jen.File, rec *record) error {
	f.Add(docComment("Validate reports every constraint violation of m, each with its JSON path, as a\n" +
		"*jsgenrt.Error with code invalid_message; nil means m is valid. It does not allocate\n" +
		"when m is valid."))
	f.Func().Params(jen.Id("m").Op("*").Id(rec.Name)).Id(ir.MethodValidate).Params().Error().Block(
		jen.Var().Id("errs").Qual(rtPath, "FieldErrors"),
		jen.Id("m").Dot("jsgenValidate").Call(jen.Op("&").Id("errs"), jen.Nil()),
		jen.Return(jen.Id("errs").Dot("Err").Call()),
	)
	nm := &names{}
	var body []jen.Code
	for _, fl := range rec.Fields {
		stmts, err := g.validateField(&vctx{owner: rec.Name, field: fl, nm: nm})
		if err != nil {
			return err
		}
		body = append(body, stmts...)
	}
	f.Line()
	f.Func().Params(jen.Id("m").Op("*").Id(rec.Name)).Id("jsgenValidate").Params(
		jen.Id("errs").Op("*").Qual(rtPath, "FieldErrors"),
		jen.Id("p").Op("*").Qual(jsonxPath, "Path"),
	).Block(body...)
	return nil
}

// validateField validates one field according to its representation.
func (g *generator) validateField(c *vctx) ([]jen.Code, error) {
	fl := c.field
	if !g.needsValidation(fl.Type, fl) {
		return nil, nil
	}
	v := jen.Id("m").Dot(fl.GoName)
	at := fieldPath(fl)
	switch rep(fl) {
	case repPointer:
		if fl.Type.Kind == ir.MessageK {
			inner, err := g.validateValue(c, fl.Type, v, at)
			if err != nil {
				return nil, err
			}
			return []jen.Code{jen.If(v.Clone().Op("!=").Nil()).Block(inner...)}, nil
		}
		local := c.nm.fresh("v")
		inner, err := g.validateValue(c, fl.Type, jen.Id(local), at)
		if err != nil {
			return nil, err
		}
		body := append([]jen.Code{jen.Id(local).Op(":=").Op("*").Add(v.Clone())}, inner...)
		return []jen.Code{jen.If(v.Clone().Op("!=").Nil()).Block(body...)}, nil
	case repNilable:
		if fl.Type.Kind == ir.UnionK {
			name := c.nm.fresh("fp")
			decl, _ := at.node(name)
			return []jen.Code{jen.If(v.Clone().Op("!=").Nil()).Block(
				decl,
				jen.Id(g.unionNames(fl.Type.Name).ValidateInto).Call(v.Clone(), jen.Id("errs"), jen.Op("&").Id(name)),
			)}, nil
		}
		inner, err := g.validateValue(c, fl.Type, v, at)
		if err != nil {
			return nil, err
		}
		return []jen.Code{jen.If(v.Clone().Op("!=").Nil()).Block(inner...)}, nil
	}
	return g.validateValue(c, fl.Type, v, at)
}

// needsValidation reports whether a value of type t (with the field's
// constraints) can ever be invalid.
func (g *generator) needsValidation(t *ir.Type, fl *ir.Field) bool {
	c := fl.Constraints
	switch t.Kind {
	case ir.Bool:
		return false
	case ir.Int, ir.Int64:
		return c.Min != nil || c.Max != nil
	case ir.Array:
		return c.MinItems != nil || c.MaxItems != nil || g.needsValidation(t.Elem, fl)
	}
	return true
}

// validateValue returns statements checking the value v of type t at at.
// String and number constraints apply at the innermost level, item counts
// at the outermost array (the field's own type).
func (g *generator) validateValue(c *vctx, t *ir.Type, v jen.Code, at vpath) ([]jen.Code, error) {
	cons := c.field.Constraints
	switch t.Kind {
	case ir.String:
		return g.validateString(c, v, at), nil
	case ir.EnumKind:
		e := g.enums[t.Name]
		return []jen.Code{jen.If(jen.Op("!").Add(v).Dot("Valid").Call()).Block(
			add(at, jen.Qual(jsonxPath, "EnumMsg").Call(jen.String().Call(v), jen.Lit(joinValues(e.Values)))),
		)}, nil
	case ir.Ref:
		return []jen.Code{jen.If(jen.Add(v).Dot("IsZero").Call()).Block(
			add(at, jen.Qual(jsonxPath, "RefMsg").Call(jen.Lit(t.Name))),
		)}, nil
	case ir.Int, ir.Int64:
		return validateInt(t, v, at, cons)
	case ir.Float64:
		return validateFloat(v, at, cons)
	case ir.Timestamp:
		return []jen.Code{jen.If(jen.Op("!").Qual(jsonxPath, "ValidTime").Call(v)).Block(
			add(at, jen.Qual(jsonxPath, "MsgTimeRange")),
		)}, nil
	case ir.MessageK:
		name := c.nm.fresh("fp")
		decl, _ := at.node(name)
		return []jen.Code{decl, jen.Add(v).Dot("jsgenValidate").Call(jen.Id("errs"), jen.Op("&").Id(name))}, nil
	case ir.UnionK:
		name := c.nm.fresh("fp")
		decl, _ := at.node(name)
		return []jen.Code{jen.If(jen.Add(v).Op("==").Nil()).Block(
			add(at, jen.Qual(jsonxPath, "MsgRequired")),
		).Else().Block(
			decl,
			jen.Id(g.unionNames(t.Name).ValidateInto).Call(v, jen.Id("errs"), jen.Op("&").Id(name)),
		)}, nil
	case ir.Array:
		return g.validateArray(c, t, v, at)
	case ir.Map:
		return g.validateMap(c, t, v, at)
	}
	return nil, nil
}

// validateString checks UTF-8, length in characters and pattern:
//
//	if !utf8.ValidString(v) {
//		errs.Add(path, jsonx.MsgInvalidUTF8)
//	} else if len(v) < 4 || len(v) > 4000 {
//		if n := utf8.RuneCountInString(v); n < 1 {
//			errs.Add(path, jsonx.MinLengthMsg(n, 1))
//		} else if n > 4000 {
//			errs.Add(path, jsonx.MaxLengthMsg(n, 4000))
//		}
//	}
//	if !jsgenPatternXY.MatchString(v) { ... }
func (g *generator) validateString(c *vctx, v jen.Code, at vpath) []jen.Code {
	cons := c.field.Constraints
	stmt := jen.If(jen.Op("!").Qual("unicode/utf8", "ValidString").Call(v)).Block(
		add(at, jen.Qual(jsonxPath, "MsgInvalidUTF8")),
	)
	// A string of b bytes has between b/4 and b characters: count them only
	// when the byte length allows a violation.
	count := jen.Id("n").Op(":=").Qual("unicode/utf8", "RuneCountInString").Call(v)
	tooShort := func() jen.Code {
		return jen.Id("n").Op("<").Lit(*cons.MinLength)
	}
	short := func() jen.Code {
		return add(at, jen.Qual(jsonxPath, "MinLengthMsg").Call(jen.Id("n"), jen.Lit(*cons.MinLength)))
	}
	long := func() jen.Code {
		return add(at, jen.Qual(jsonxPath, "MaxLengthMsg").Call(jen.Id("n"), jen.Lit(*cons.MaxLength)))
	}
	switch {
	case cons.MinLength != nil && cons.MaxLength != nil:
		stmt.Else().If(jen.Len(v).Op("<").Lit(4 * *cons.MinLength).Op("||").Len(v).Op(">").Lit(*cons.MaxLength)).Block(
			jen.If(count, tooShort()).Block(short()).Else().If(jen.Id("n").Op(">").Lit(*cons.MaxLength)).Block(long()),
		)
	case cons.MinLength != nil:
		stmt.Else().If(jen.Len(v).Op("<").Lit(4 * *cons.MinLength)).Block(
			jen.If(count, tooShort()).Block(short()),
		)
	case cons.MaxLength != nil:
		stmt.Else().If(jen.Len(v).Op(">").Lit(*cons.MaxLength)).Block(
			jen.If(count, jen.Id("n").Op(">").Lit(*cons.MaxLength)).Block(long()),
		)
	}
	out := []jen.Code{stmt}
	if cons.Pattern != "" {
		out = append(out, jen.If(jen.Op("!").Id(c.field.PatternVar).Dot("MatchString").Call(v)).Block(
			add(at, jen.Qual(jsonxPath, "PatternMsg").Call(jen.Lit(cons.Pattern))),
		))
	}
	return out
}

func validateInt(t *ir.Type, v jen.Code, at vpath, cons ir.Constraints) ([]jen.Code, error) {
	var out []jen.Code
	val := jen.Code(v)
	if t.Kind == ir.Int {
		val = jen.Int64().Call(v)
	}
	if cons.Min != nil {
		lit, err := intLit(cons.Min.String())
		if err != nil {
			return nil, err
		}
		out = append(out, jen.If(jen.Add(v).Op("<").Add(lit)).Block(
			add(at, jen.Qual(jsonxPath, "MinIntMsg").Call(val, lit))))
	}
	if cons.Max != nil {
		lit, err := intLit(cons.Max.String())
		if err != nil {
			return nil, err
		}
		out = append(out, jen.If(jen.Add(v).Op(">").Add(lit)).Block(
			add(at, jen.Qual(jsonxPath, "MaxIntMsg").Call(val, lit))))
	}
	return out, nil
}

// validateFloat refuses NaN and infinities (JSON cannot carry them), then
// checks the range.
func validateFloat(v jen.Code, at vpath, cons ir.Constraints) ([]jen.Code, error) {
	stmt := jen.If(jen.Op("!").Qual(jsonxPath, "Finite").Call(v)).Block(
		add(at, jen.Qual(jsonxPath, "MsgNotFinite")))
	var lo, hi jen.Code
	var err error
	if cons.Min != nil {
		if lo, err = floatLit(cons.Min.String()); err != nil {
			return nil, err
		}
		stmt.Else().If(jen.Add(v).Op("<").Add(lo)).Block(
			add(at, jen.Qual(jsonxPath, "MinFloatMsg").Call(v, lo)))
	}
	if cons.Max != nil {
		if hi, err = floatLit(cons.Max.String()); err != nil {
			return nil, err
		}
		stmt.Else().If(jen.Add(v).Op(">").Add(hi)).Block(
			add(at, jen.Qual(jsonxPath, "MaxFloatMsg").Call(v, hi)))
	}
	return []jen.Code{stmt}, nil
}

// validateArray checks the item count (outermost array only) and every
// element:
//
//	if n := len(m.Tags); n > 10 {
//		errs.Add(p.Child("tags"), jsonx.MaxItemsMsg(n, 10))
//	}
//	fp1 := jsonx.Path{Parent: p, Key: "tags"}
//	for i2 := range m.Tags { ... m.Tags[i2] ... fp1.Elem(i2) ... }
func (g *generator) validateArray(c *vctx, t *ir.Type, v jen.Code, at vpath) ([]jen.Code, error) {
	var out []jen.Code
	cons := c.field.Constraints
	if t == c.field.Type {
		if cons.MinItems != nil {
			out = append(out, jen.If(jen.Id("n").Op(":=").Len(v), jen.Id("n").Op("<").Lit(*cons.MinItems)).Block(
				add(at, jen.Qual(jsonxPath, "MinItemsMsg").Call(jen.Id("n"), jen.Lit(*cons.MinItems)))))
		}
		if cons.MaxItems != nil {
			out = append(out, jen.If(jen.Id("n").Op(":=").Len(v), jen.Id("n").Op(">").Lit(*cons.MaxItems)).Block(
				add(at, jen.Qual(jsonxPath, "MaxItemsMsg").Call(jen.Id("n"), jen.Lit(*cons.MaxItems)))))
		}
	}
	if !g.needsValidation(t.Elem, c.field) {
		return out, nil
	}
	node, nodeAt := at.node(c.nm.fresh("fp"))
	idx := c.nm.fresh("i")
	elemAt := vpath{parent: nodeAt.parent, idxVar: idx}
	inner, err := g.validateValue(c, t.Elem, jen.Add(v).Index(jen.Id(idx)), elemAt)
	if err != nil {
		return nil, err
	}
	return append(out, node, jen.For(jen.Id(idx).Op(":=").Range().Add(v)).Block(inner...)), nil
}

// validateMap checks every key (valid UTF-8) and value, then sorts what it
// found by path, since map order is random:
//
//	fp1 := jsonx.Path{Parent: p, Key: "labels"}
//	start2 := len(*errs)
//	for k3, e4 := range m.Labels { ... }
//	jsonx.SortFrom(*errs, start2)
func (g *generator) validateMap(c *vctx, t *ir.Type, v jen.Code, at vpath) ([]jen.Code, error) {
	node, nodeAt := at.node(c.nm.fresh("fp"))
	start, key := c.nm.fresh("start"), c.nm.fresh("k")
	body := []jen.Code{jen.If(jen.Op("!").Qual("unicode/utf8", "ValidString").Call(jen.Id(key))).Block(
		add(at, jen.Qual(jsonxPath, "MsgKeyUTF8")))}
	loop := jen.Id(key)
	if g.needsValidation(t.Elem, c.field) {
		elem := c.nm.fresh("e")
		inner, err := g.validateValue(c, t.Elem, jen.Id(elem), vpath{parent: nodeAt.parent, keyVar: key})
		if err != nil {
			return nil, err
		}
		body = append(body, inner...)
		loop = jen.List(jen.Id(key), jen.Id(elem))
	}
	return []jen.Code{
		node,
		jen.Id(start).Op(":=").Len(jen.Op("*").Id("errs")),
		jen.For(loop.Op(":=").Range().Add(v)).Block(body...),
		jen.Qual(jsonxPath, "SortFrom").Call(jen.Op("*").Id("errs"), jen.Id(start)),
	}, nil
}
