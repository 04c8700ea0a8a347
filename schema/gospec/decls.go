package gospec

import (
	"go/ast"
	"go/token"
	"go/types"
	"reflect"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/jsgen-dev/jsgen/schema/decl"
	"github.com/jsgen-dev/jsgen/schema/diag"
)

// declare reads one annotated declaration into the spec.
func (l *loader) declare(a *annotated) {
	l.cur = a
	args, _ := l.args(a.dir)
	switch a.dir.Name {
	case "model", "message":
		l.declareType(a, args)
	case "union":
		l.declareUnion(a, args)
	case "channels":
		l.declareChannels(a, args)
	case "events":
		l.declareEvents(a, args)
	case "controller":
		l.declareController(a, args)
	}
}

func (l *loader) ident(id *ast.Ident) decl.Ident {
	return decl.Ident{Name: id.Name, Pos: l.pos(id.Pos())}
}

// structOf returns the struct type a declaration must be, or reports why it
// is not one.
func (l *loader) structOf(a *annotated, what string) *ast.StructType {
	st, ok := a.spec.Type.(*ast.StructType)
	switch {
	case a.spec.TypeParams != nil:
		l.diags.Add(l.pos(a.spec.Name.Pos()), "//jsgen:%s cannot annotate a generic type", a.dir.Name)
	case a.spec.Assign.IsValid() || !ok:
		l.diags.AddHint(l.pos(a.spec.Name.Pos()), "declare it as type "+a.spec.Name.Name+" struct { ... }",
			"//jsgen:%s must annotate a struct type (%s)", a.dir.Name, what)
	default:
		return st
	}
	return nil
}

// declareType reads a //jsgen:model or //jsgen:message struct.
func (l *loader) declareType(a *annotated, args []dirArg) {
	model := a.dir.Name == "model"
	var kv map[string]dirArg
	if model {
		kv = l.keyArgs(a.dir, args, "idMaxLength", "idMinLength", "idPattern", "idValues")
	} else {
		l.keyArgs(a.dir, args)
	}
	st := l.structOf(a, "its fields are the "+a.dir.Name+"'s fields")
	if st == nil {
		l.spec.Broken = append(l.spec.Broken, l.ident(a.spec.Name))
		return
	}
	t := &decl.Type{Name: l.ident(a.spec.Name), Doc: a.doc, Origin: decl.FromGo}
	if v, ok := kv["idMaxLength"]; ok {
		t.IDMaxLength = &decl.Literal{Text: v.Value, Quoted: v.Quoted, Pos: l.pos(v.ValPos)}
	}
	l.idConstraints(t, kv)
	t.Fields = l.fields(a, st)
	if model {
		l.spec.Models = append(l.spec.Models, t)
	} else {
		l.spec.Messages = append(l.spec.Messages, t)
	}
}

// idConstraints reads the identifier constraints of a //jsgen:model beyond
// idMaxLength: idMinLength=N, idPattern=RE (quote it as a Go string when it
// holds spaces or quotes) and idValues=a|b|c.
func (l *loader) idConstraints(t *decl.Type, kv map[string]dirArg) {
	if v, ok := kv["idMinLength"]; ok {
		t.IDMinLength = &decl.Literal{Text: v.Value, Quoted: v.Quoted, Pos: l.pos(v.ValPos)}
	}
	if v, ok := kv["idPattern"]; ok {
		t.IDPattern = &decl.String{Value: v.Value, Pos: l.pos(v.ValPos)}
	}
	v, ok := kv["idValues"]
	if !ok {
		return
	}
	t.IDValuesPos = l.pos(v.ValPos)
	off := v.ValPos
	for _, s := range strings.Split(v.Value, "|") {
		pos := v.ValPos
		if !v.Quoted {
			pos = off
		}
		t.IDValues = append(t.IDValues, decl.String{Value: s, Pos: l.pos(pos)})
		off += token.Pos(len(s) + 1)
	}
}

// declareUnion reads a //jsgen:union interface.
func (l *loader) declareUnion(a *annotated, args []dirArg) {
	if _, ok := a.spec.Type.(*ast.InterfaceType); !ok || a.spec.Assign.IsValid() || a.spec.TypeParams != nil {
		l.diags.AddHint(l.pos(a.spec.Name.Pos()), "declare it as type "+a.spec.Name.Name+" interface{ "+a.spec.Name.Name+"Tag() string }",
			"//jsgen:union must annotate an interface type")
		l.spec.Broken = append(l.spec.Broken, l.ident(a.spec.Name))
		return
	}
	u := &decl.Union{Name: l.ident(a.spec.Name), Doc: a.doc, Origin: decl.FromGo}
	defer l.checkUnionMethods(a, u)
	for _, arg := range args {
		if !arg.HasValue {
			l.diags.AddHint(l.pos(arg.Pos), "variants are written tag=Message, e.g. join=JoinEvent",
				"//jsgen:union: argument %q is not key=value", arg.Value)
			continue
		}
		s := &decl.String{Value: arg.Value, Pos: l.pos(arg.ValPos)}
		switch arg.Key {
		case "discriminator", "default":
			dst := &u.Discriminator
			if arg.Key == "default" {
				dst = &u.Default
			}
			if *dst != nil {
				l.diags.Add(l.pos(arg.Pos), "//jsgen:union: duplicate argument %q", arg.Key)
				continue
			}
			*dst = s
		default:
			u.Variants = append(u.Variants, decl.Variant{
				Tag:     decl.String{Value: arg.Key, Pos: l.pos(arg.Pos)},
				Message: decl.Ident{Name: arg.Value, Pos: s.Pos},
			})
		}
	}
	l.spec.Unions = append(l.spec.Unions, u)
}

// checkUnionMethods checks that the interface of union u is what the
// generated code implements: exactly the method <Union>Tag() string, which
// jsgen emits on every variant.
func (l *loader) checkUnionMethods(a *annotated, u *decl.Union) {
	iface, ok := a.obj.Type().Underlying().(*types.Interface)
	if !ok || a.hasError {
		return
	}
	name := a.spec.Name.Name
	want := name + "Tag"
	sig := want + "() string"
	hint := "declare it as type " + name + " interface{ " + sig + " }: jsgen emits " + want + " on every variant"
	astIface, _ := a.spec.Type.(*ast.InterfaceType)
	if iface.NumEmbeddeds() > 0 {
		l.diags.AddHint(l.pos(a.spec.Type.Pos()), hint, "union %s: its interface must not embed other types", name)
		return
	}
	found := false
	for i := range iface.NumExplicitMethods() {
		m := iface.ExplicitMethod(i)
		pos := l.methodPos(astIface, m.Name(), a.spec.Type.Pos())
		switch {
		case m.Name() == want && !isTagSignature(m.Type()):
			l.diags.AddHint(l.pos(pos), "write "+sig, "union %s: %s must be %s, not %s", name, want, sig, l.typeString(m.Type()))
			found = true
		case m.Name() == want:
			found = true
		default:
			h := hint
			if diag.Distance(m.Name(), want) <= 3 {
				h = "rename it " + want + ": jsgen emits " + want + " on every variant"
			}
			l.diags.AddHint(l.pos(pos), h, "union %s: unexpected method %s; the interface must have exactly the method %s", name, m.Name(), sig)
			found = true // reported: do not also report the missing method
		}
	}
	if !found {
		l.diags.AddHint(l.pos(a.spec.Type.Pos()), hint, "union %s: its interface needs the method %s", name, sig)
	}
}

// methodPos is the position of the method called name in iface, or def.
func (l *loader) methodPos(iface *ast.InterfaceType, name string, def token.Pos) token.Pos {
	if iface == nil || iface.Methods == nil {
		return def
	}
	for _, f := range iface.Methods.List {
		for _, n := range f.Names {
			if n.Name == name {
				return n.Pos()
			}
		}
	}
	return def
}

// isTagSignature reports whether t is func() string.
func isTagSignature(t types.Type) bool {
	sig, ok := t.(*types.Signature)
	if !ok || sig.Params().Len() != 0 || sig.Results().Len() != 1 || sig.Variadic() {
		return false
	}
	b, ok := sig.Results().At(0).Type().(*types.Basic)
	return ok && b.Kind() == types.String
}

// declareChannels reads a //jsgen:channels alias of
// channel.Channels[Key, Message].
func (l *loader) declareChannels(a *annotated, args []dirArg) {
	kv := l.keyArgs(a.dir, args, "prefix")
	const want = "type X = channel.Channels[Key, Message]"
	if !a.spec.Assign.IsValid() || a.spec.TypeParams != nil {
		l.diags.AddHint(l.pos(a.spec.Name.Pos()), "write "+want,
			"//jsgen:channels must annotate a type alias")
		return
	}
	if isInvalid(types.Unalias(a.obj.Type())) {
		l.invalidType(a.spec.Type, a.spec.Name.Name)
		return
	}
	name, targs := aliasTarget(a.obj.Type())
	if name != "Channels" || targs == nil || targs.Len() != 2 {
		l.diags.AddHint(l.pos(a.spec.Type.Pos()), "write "+want,
			"//jsgen:channels: %s is not channel.Channels[Key, Message]", l.typeString(types.Unalias(a.obj.Type())))
		return
	}
	argPos := func(i int) token.Pos {
		if il, ok := a.spec.Type.(*ast.IndexListExpr); ok && i < len(il.Indices) {
			return il.Indices[i].Pos()
		}
		return a.spec.Type.Pos()
	}
	c := &decl.Channel{Name: l.ident(a.spec.Name), Doc: a.doc}
	for i, dst := range []*decl.Ident{&c.Key, &c.Message} {
		n, ok := l.localName(targs.At(i))
		if !ok {
			what := [2]string{"key must be a model", "message must be a message or union"}[i]
			l.diags.Add(l.pos(argPos(i)), "//jsgen:channels: the %s of this package, not %s", what, l.typeString(targs.At(i)))
			return
		}
		*dst = decl.Ident{Name: n, Pos: l.pos(argPos(i))}
	}
	c.KeyParts = l.compositeKey(targs.At(0))
	if v, ok := kv["prefix"]; ok {
		c.Prefix = &decl.String{Value: v.Value, Pos: l.pos(v.ValPos)}
	}
	l.spec.Channels = append(l.spec.Channels, c)
}

// compositeKey returns the parts of a composite channel key: key is a
// struct of this package whose fields are all jsgenrt.Ref[Model] and carry
// no json tag (so it is not a model), e.g.
//
//	type TeamKey struct {
//		Lobby jsgenrt.Ref[Lobby]
//		Team  jsgenrt.Ref[Team]
//	}
//
// It returns nil for any other key, which package ir then checks as a
// model. A struct with an untagged Ref field and a field breaking these
// rules is a composite key written wrong: each such field is reported, and
// the key is marked broken so that it is not reported again as a model.
func (l *loader) compositeKey(key types.Type) []decl.KeyPart {
	n, ok := types.Unalias(key).(*types.Named)
	if !ok {
		return nil
	}
	st, ok := n.Underlying().(*types.Struct)
	if !ok || st.NumFields() == 0 {
		return nil
	}
	var parts []decl.KeyPart
	var problems []keyProblem
	for i := range st.NumFields() {
		f := st.Field(i)
		model, why := l.keyPart(f, reflect.StructTag(st.Tag(i)))
		if why != "" {
			problems = append(problems, keyProblem{f, why})
			continue
		}
		parts = append(parts, decl.KeyPart{
			GoName: decl.Ident{Name: f.Name(), Pos: l.pos(f.Pos())},
			Model:  decl.Ident{Name: model, Pos: l.pos(f.Pos())},
		})
	}
	if len(problems) == 0 {
		return parts
	}
	if len(parts) > 0 { // a composite key written wrong, not a model
		for _, p := range problems {
			l.diags.AddHint(l.pos(p.field.Pos()), "make every field of "+n.Obj().Name()+" a jsgenrt.Ref[Model] of this package, without a json tag",
				"composite channel key %s: field %s %s", n.Obj().Name(), p.field.Name(), p.why)
		}
		l.spec.Broken = append(l.spec.Broken, decl.Ident{Name: n.Obj().Name(), Pos: l.pos(n.Obj().Pos())})
	}
	return nil
}

// keyProblem is a field of a composite key struct that breaks its rules.
type keyProblem struct {
	field *types.Var
	why   string
}

// keyPart returns the model a field of a composite key struct refers to,
// or why the field cannot be a part of a composite key.
func (l *loader) keyPart(f *types.Var, tag reflect.StructTag) (model, why string) {
	ref, ok := types.Unalias(f.Type()).(*types.Named)
	if !ok || ref.Obj().Pkg() == nil || ref.Obj().Pkg().Path() != runtimePath || ref.Obj().Name() != "Ref" {
		return "", "is a " + l.typeString(f.Type()) + ", not a jsgenrt.Ref[Model]"
	}
	if tag.Get("json") != "" {
		return "", "has a json tag (a composite key's parts are named by their Go fields)"
	}
	model, ok = l.refModel(ref)
	if !ok {
		return "", "refers to " + l.typeString(ref.TypeArgs().At(0)) + ", which is not a type of this package"
	}
	return model, ""
}

// invalidType reports the type expression e that did not type-check, unless
// a type error inside the declaration being read, or the failed import of
// a jsgen package e uses, was reported already.
func (l *loader) invalidType(e ast.Expr, label string) {
	if !l.cur.hasError && !l.usesFailedImport(e) {
		l.diags.AddHint(l.pos(e.Pos()), "go build -tags=jsgen shows why", "%s: its type does not type-check", label)
	}
}

// usesFailedImport reports whether e names a package whose import was
// reported by reportRuntimeImport.
func (l *loader) usesFailedImport(e ast.Expr) bool {
	found := false
	ast.Inspect(e, func(n ast.Node) bool {
		if id, ok := n.(*ast.Ident); ok {
			if pn, ok := l.pkg.TypesInfo.Uses[id].(*types.PkgName); ok && l.failedImports[pn.Imported().Path()] {
				found = true
			}
		}
		return !found
	})
	return found
}

// aliasTarget returns the name and type arguments of the type an alias
// declaration names on its right-hand side.
func aliasTarget(t types.Type) (string, *types.TypeList) {
	if al, ok := t.(*types.Alias); ok {
		t = al.Rhs()
	}
	switch t := t.(type) {
	case *types.Alias:
		return t.Obj().Name(), t.TypeArgs()
	case *types.Named:
		return t.Obj().Name(), t.TypeArgs()
	}
	return "", nil
}

// declareEvents reads a //jsgen:events struct: one field per topic.
func (l *loader) declareEvents(a *annotated, args []dirArg) {
	name, rest := l.nameArg(a.dir, args, a.spec)
	l.keyArgs(a.dir, rest)
	st := l.structOf(a, "its fields are the topics")
	if st == nil || name == nil {
		return
	}
	b := &decl.EventBus{Name: decl.Ident{Name: name.Value, Pos: l.pos(name.Pos)}, Doc: a.doc}
	for _, f := range st.Fields.List {
		tags, ok := l.readTags(f)
		for _, fn := range l.fieldNames(f, "topic") {
			label := b.Name.Name + "." + fn.Name
			payload, okPayload := l.typeRef(f.Type, label, "payload")
			topic, okTopic := l.topicTag(label, fn, tags, ok)
			if okPayload && okTopic {
				b.Topics = append(b.Topics, decl.Topic{Name: topic, Payload: payload, GoName: l.ident(fn)})
			}
		}
	}
	l.spec.Events = append(l.spec.Events, b)
}

// topicTag reads the topic=... option of an event bus field.
func (l *loader) topicTag(label string, fn *ast.Ident, tags fieldTags, ok bool) (decl.String, bool) {
	if !ok {
		return decl.String{}, false
	}
	opts := l.options(tags, label, []string{"topic"}, nil)
	topic, found := opts["topic"]
	if !found {
		l.diags.AddHint(l.pos(fn.Pos()), `add the tag `+"`"+`jsgen:"topic=`+exampleTopic(fn.Name)+`"`+"`",
			"%s has no topic", label)
		return decl.String{}, false
	}
	return decl.String{Value: topic.Value, Pos: l.tagPos(tags, topic.ValOff)}, true
}

// exampleTopic suggests a topic for a field: RoomMessage → room.message.
func exampleTopic(field string) string {
	var b []rune
	for i, r := range field {
		if unicode.IsUpper(r) && i > 0 {
			b = append(b, '.')
		}
		b = append(b, unicode.ToLower(r))
	}
	return string(b)
}

// declareController reads a //jsgen:controller struct: one field per route.
func (l *loader) declareController(a *annotated, args []dirArg) {
	name, rest := l.nameArg(a.dir, args, a.spec)
	kv := l.keyArgs(a.dir, rest, "prefix", "identity", "guards", "handler")
	st := l.structOf(a, "its fields are the routes")
	if st == nil || name == nil {
		return
	}
	c := &decl.Controller{Name: decl.Ident{Name: name.Value, Pos: l.pos(name.Pos)}, Doc: a.doc}
	if v, ok := kv["prefix"]; ok {
		c.Prefix = &decl.String{Value: v.Value, Pos: l.pos(v.ValPos)}
	}
	if v, ok := kv["identity"]; ok {
		c.Auth = &decl.Auth{Pos: l.pos(v.Pos), Identity: decl.Ident{Name: v.Value, Pos: l.pos(v.ValPos)}}
	}
	if v, ok := kv["guards"]; ok {
		for _, g := range l.splitArg(v) {
			c.Guards = append(c.Guards, decl.Ident{Name: g.Value, Pos: g.Pos})
		}
	}
	if v, ok := kv["handler"]; ok {
		c.Handler = &decl.String{Value: v.Value, Pos: l.pos(v.ValPos)}
	}
	for _, f := range st.Fields.List {
		tags, ok := l.readTags(f)
		for _, fn := range l.fieldNames(f, "route") {
			if r := l.route(c.Name.Name, f, fn, tags, ok); r != nil {
				c.Routes = append(c.Routes, r)
			}
		}
	}
	l.spec.Controllers = append(l.spec.Controllers, c)
}

// splitArg splits a directive argument a|b|c into its items, each with
// its position (the argument's, when it was quoted).
func (l *loader) splitArg(v dirArg) []decl.String {
	var out []decl.String
	off := v.ValPos
	for _, s := range strings.Split(v.Value, "|") {
		pos := v.ValPos
		if !v.Quoted {
			pos = off
		}
		out = append(out, decl.String{Value: s, Pos: l.pos(pos)})
		off += token.Pos(len(s) + 1)
	}
	return out
}

// The fields a route struct may have (besides Out-prefixed ones).
var routeFields = []string{"Params", "Query", "In", "Out"}

// route reads one route field of a controller.
func (l *loader) route(ctrl string, f *ast.Field, fn *ast.Ident, tags fieldTags, tagsOK bool) *decl.Route {
	label := ctrl + "." + fn.Name
	st, ok := f.Type.(*ast.StructType)
	if !ok {
		l.diags.AddHint(l.pos(f.Type.Pos()), "declare the route inline: "+fn.Name+" struct { Params struct{ ... }; Query Q; In M; Out M }",
			"route %s must be an inline struct", label)
		return nil
	}
	r := &decl.Route{Name: decl.Ident{Name: routeName(fn.Name), Pos: l.pos(fn.Pos())}, Doc: fieldDoc(f)}
	if !tagsOK {
		return nil
	}
	opts := l.options(tags, label, []string{"ws", "identity", "guards", "handler"}, nil)
	ws, found := opts["ws"]
	if !found {
		l.diags.AddHint(l.pos(fn.Pos()), "add the tag `jsgen:\"ws=/path\"`", "route %s has no path", label)
		return nil
	}
	r.Path = decl.String{Value: ws.Value, Pos: l.tagPos(tags, ws.ValOff)}
	if o, ok := opts["identity"]; ok {
		r.Auth = &decl.Auth{Pos: l.tagPos(tags, o.KeyOff), Identity: decl.Ident{Name: o.Value, Pos: l.tagPos(tags, o.textOff())}}
	}
	if o, ok := opts["guards"]; ok {
		for _, g := range l.enumValues(o, tags) {
			r.Guards = append(r.Guards, decl.Ident{Name: g.Value, Pos: g.Pos})
		}
	}
	if h, ok := opts["handler"]; ok {
		r.Handler = &decl.String{Value: h.Value, Pos: l.tagPos(tags, h.ValOff)}
	}
	for _, part := range st.Fields.List {
		l.routePart(r, label, part)
	}
	return r
}

// routePart reads one field of a route struct: Params, Query, In or Out*.
func (l *loader) routePart(r *decl.Route, label string, f *ast.Field) {
	if f.Tag != nil {
		l.diags.Add(l.pos(f.Tag.Pos()), "%s: route fields take no tags", label)
	}
	for _, fn := range l.fieldNames(f, "route") {
		switch name := fn.Name; {
		case name == "Params":
			r.Params = l.params(label, f)
		case name == "Query", name == "In":
			id, ok := l.typeRef(f.Type, label+"."+name, map[string]string{"Query": "query", "In": "inbound frame"}[name])
			if !ok {
				continue
			}
			if name == "Query" {
				r.Query = &id
			} else {
				r.In = &id
			}
		case len(name) >= 3 && name[:3] == "Out":
			if id, ok := l.typeRef(f.Type, label+"."+name, "outbound frame"); ok {
				r.Out = append(r.Out, id)
			}
		default:
			l.diags.AddHint(l.pos(fn.Pos()), didYouMean(name, routeFields, "%s"),
				"%s: unknown route field %s (want Params, Query, In or Out...)", label, name)
		}
	}
}

// params reads the Params struct of a route: each field a Ref to a model,
// named by its json tag.
func (l *loader) params(label string, f *ast.Field) []decl.Param {
	st, ok := f.Type.(*ast.StructType)
	if !ok {
		l.diags.AddHint(l.pos(f.Type.Pos()), "write Params struct { RoomID jsgenrt.Ref[Room] `json:\"roomId\"` }",
			"%s.Params must be an inline struct", label)
		return nil
	}
	var out []decl.Param
	for _, pf := range st.Fields.List {
		tags, ok := l.readTags(pf)
		for _, fn := range l.fieldNames(pf, "path parameter") {
			plabel := label + ".Params." + fn.Name
			wire, okName := l.wireName(plabel, fn, tags, ok)
			if ok {
				l.options(tags, plabel, nil, nil)
			}
			model, okModel := l.paramModel(plabel, pf)
			if okName && !okModel {
				// Reported; declared all the same, so that the path does
				// not also say it is missing. Its Model is empty.
				model = decl.Ident{}
			}
			if okName {
				out = append(out, decl.Param{Name: wire, Model: model})
			}
		}
	}
	return out
}

// paramModel reads the model M of a path parameter typed runtime.Ref[M].
func (l *loader) paramModel(label string, f *ast.Field) (decl.Ident, bool) {
	t := l.pkg.TypesInfo.TypeOf(f.Type)
	if isInvalid(t) {
		l.invalidType(f.Type, label)
		return decl.Ident{}, false
	}
	if n, ok := types.Unalias(t).(*types.Named); ok && n.Obj().Pkg() != nil &&
		n.Obj().Pkg().Path() == runtimePath && n.Obj().Name() == "Ref" {
		if model, ok := l.refModel(n); ok {
			return decl.Ident{Name: model, Pos: l.pos(refArgPos(f.Type))}, true
		}
	}
	l.diags.Add(l.pos(f.Type.Pos()), "%s: a path parameter must be a jsgenrt.Ref[Model] of a model of this package, not %s",
		label, l.typeString(t))
	return decl.Ident{}, false
}

// refArgPos is the position of M in Ref[M], or of the whole expression.
func refArgPos(e ast.Expr) token.Pos {
	if ix, ok := e.(*ast.IndexExpr); ok {
		return ix.Index.Pos()
	}
	return e.Pos()
}

// typeRef reads a type that must be a message or union of this package.
func (l *loader) typeRef(e ast.Expr, label, what string) (decl.Ident, bool) {
	t := l.pkg.TypesInfo.TypeOf(e)
	if isInvalid(t) {
		l.invalidType(e, label)
		return decl.Ident{}, false
	}
	if name, ok := l.localName(t); ok {
		switch types.Unalias(t).Underlying().(type) {
		case *types.Struct, *types.Interface:
			return decl.Ident{Name: name, Pos: l.pos(e.Pos())}, true
		}
	}
	l.diags.Add(l.pos(e.Pos()), "%s: the %s must be a message or union of this package, not %s", label, what, l.typeString(t))
	return decl.Ident{}, false
}

// fieldNames returns the names of a struct field, reporting embedded fields.
func (l *loader) fieldNames(f *ast.Field, what string) []*ast.Ident {
	if len(f.Names) == 0 {
		l.diags.AddHint(l.pos(f.Type.Pos()), "give the field a name", "embedded fields cannot declare a %s", what)
	}
	return f.Names
}

// routeName derives a route's name from its Go field name: the leading
// upper-case letters are lowered (Room → room, DM → dm, HTTPStatus →
// httpStatus), so that the Go name derived back from it is the field name.
func routeName(field string) string {
	runes := []rune(field)
	n := 0
	for n < len(runes) && unicode.IsUpper(runes[n]) {
		n++
	}
	if n > 1 && n < len(runes) && unicode.IsLower(runes[n]) {
		n-- // HTTPStatus: the S starts the next word
	}
	for i := range n {
		runes[i] = unicode.ToLower(runes[i])
	}
	return string(runes)
}

// lowerFirst returns s with its first letter in lower case.
func lowerFirst(s string) string {
	r, size := utf8.DecodeRuneInString(s)
	return string(unicode.ToLower(r)) + s[size:]
}
