package golang

import (
	"fmt"
	"strings"

	"github.com/dave/jennifer/jen"

	"github.com/jsgen-dev/jsgen/internal/genfile"
	"github.com/jsgen-dev/jsgen/schema/ir"
)

// ChannelsFile holds the typed channels.
const ChannelsFile = ir.GoChannelsFile

const (
	channelPath = "github.com/jsgen-dev/jsgen/runtime/channel"
	busPath     = "github.com/jsgen-dev/jsgen/runtime/bus"
)

// channelsFile emits, per channel family:
//
//	type RoomChannels = channel.Channels[Room, RoomEvent] // YAML form only
//	func NewRoomChannels(opts ...channel.Option) *RoomChannels
//	func BridgeRoomChannels(ctx context.Context, ch *RoomChannels, b bus.Bus, opts ...channel.BridgeOption) (*channel.Link, error)
//
// and, once per message type carried, the strict check the Bridge runs on
// other nodes' payloads (jsgenCheckRoomEvent).
func (g *generator) channelsFile() (genfile.File, bool, error) {
	if len(g.prog.Channels) == 0 {
		return genfile.File{}, false, nil
	}
	f := newFile(g.prog.Package)
	f.ImportName(channelPath, "channel")
	f.ImportName(busPath, "bus")
	checked := map[string]bool{}
	for _, c := range g.prog.Channels {
		g.emitChannel(f, c)
		if !checked[c.Message.Name] {
			checked[c.Message.Name] = true
			g.emitCheck(f, c.Message)
		}
	}
	out, err := render(ChannelsFile, f)
	return out, true, err
}

func (g *generator) emitChannel(f *jen.File, c *ir.Channel) {
	msg := jen.Id(c.Message.Name)
	name := c.Name
	if c.KeyParts != nil {
		g.emitChannelKey(f, c)
	}
	if c.DeclaresGoType {
		per := fmt.Sprintf("Ref[%s]", c.Key)
		if c.KeyParts != nil {
			per = fmt.Sprintf("%s (%s)", c.Key, keyPartsText(c))
		}
		f.Add(docComment(declDoc(name, c.Doc, fmt.Sprintf(
			"%s are typed pub/sub channels of %s, one per %s.\nCreate them with New%s.", name, c.Message.Name, per, name))))
		f.Type().Id(name).Op("=").Qual(channelPath, "Channels").Types(jen.Id(c.Key), msg)
		f.Line()
	}
	prefix := "no key prefix"
	if c.Prefix != "" {
		prefix = fmt.Sprintf("the key prefix %q", c.Prefix)
	}
	f.Add(docComment(fmt.Sprintf("New%s returns %s with %s and the generated JSON encoding,\n"+
		"computed at most once per publish and shared by every subscriber. opts come after these\n"+
		"defaults, so they may add or override options (queue size, overflow policy, logger); install\n"+
		"hooks with AddHooks.", name, name, prefix)))
	all := jen.Id("opts").Op("...")
	if c.Prefix != "" {
		all = jen.Append(jen.Index().Qual(channelPath, "Option").Values(
			jen.Qual(channelPath, "WithPrefix").Call(jen.Lit(c.Prefix))), jen.Id("opts").Op("...")).Op("...")
	}
	f.Func().Id(c.Names.New).Params(jen.Id("opts").Op("...").Qual(channelPath, "Option")).Op("*").Id(name).Block(
		jen.Return(jen.Qual(channelPath, "New").Types(jen.Id(c.Key), msg).Call(g.encoder(c.Message), all)),
	)
	f.Line()
	subject := g.subjectPrefix(name)
	f.Add(docComment(fmt.Sprintf("Bridge%s makes ch cluster-aware over b in one call: a Publish on any node that\n"+
		"shares b reaches the subscribers of that key on every node, exactly once each, with no echo\n"+
		"back to the publishing node. Each node subscribes to a key's bus subject (%q + key)\n"+
		"only while it has local subscribers. Another node's message is checked as strictly as\n"+
		"Decode%s does on receipt and delivered as the bytes it arrived in; it is decoded only\n"+
		"when a subscriber asks for the message, once. The link stops when ctx is done or it is closed.",
		name, subject, c.Message.Name)))
	f.Func().Id(c.Names.Bridge).Params(
		jen.Id("ctx").Qual("context", "Context"),
		jen.Id("ch").Op("*").Id(name),
		jen.Id("b").Qual(busPath, "Bus"),
		jen.Id("opts").Op("...").Qual(channelPath, "BridgeOption"),
	).Parens(jen.List(jen.Op("*").Qual(channelPath, "Link"), jen.Error())).Block(
		jen.Return(jen.Qual(channelPath, "Bridge").Call(jen.Id("ctx"), jen.Id("ch"), jen.Id("b"), jen.Lit(subject),
			jen.Qual(channelPath, "Decoder").Types(msg).Values(jen.Dict{
				jen.Id("Decode"): g.decoder(c.Message),
				jen.Id("Check"):  jen.Id(checkFunc(c.Message.Name)),
			}), jen.Id("opts").Op("..."))),
	)
	f.Line()
}

// checkFunc names the generated check of message or union name.
func checkFunc(name string) string { return "jsgenCheck" + name }

// emitCheck emits the check the Bridge runs on other nodes' payloads: it
// accepts exactly what Decode<T> accepts, with the same errors, reading
// the payload as strictly and validating it, but keeps nothing, so its
// strings are views of the payload (jsonx.Reader.ResetBorrowing) and a
// union's variant is never boxed: a valid payload costs no allocation
// for its strings or its variant.
//
//	func jsgenCheckChatEvent(data []byte) error {
//		var r jsonx.Reader
//		r.ResetBorrowing(data)
//		var v ChatEvent
//		v.jsgenDecode(&r, nil)
//		r.End()
//		if r.Failed() {
//			return r.Err()
//		}
//		var errs jsgenrt.FieldErrors
//		v.jsgenValidate(&errs, nil)
//		return r.ErrWith(errs)
//	}
//
// A union's check reads the discriminator, then does the above for the
// variant it names; what Decode<Union> leaves nil (no variant) it
// validates as nil, as Decode<Union> does.
func (g *generator) emitCheck(f *jen.File, t *ir.Type) {
	f.Add(docComment(fmt.Sprintf("%s accepts exactly what %s accepts, without keeping the\n"+
		"message: the Bridge checks other nodes' payloads with it and decodes them only on demand.",
		checkFunc(t.Name), g.decodeFunc(t.Name))))
	body := []jen.Code{
		jen.Var().Id("r").Qual(jsonxPath, "Reader"),
		jen.Id("r").Dot("ResetBorrowing").Call(jen.Id("data")),
	}
	if t.Kind == ir.UnionK {
		body = append(body, g.unionCheck(g.unions[t.Name])...)
	} else {
		args := []jen.Code{jen.Op("&").Id("r"), jen.Nil()}
		if g.isVariant(t.Name) {
			disc, tag := g.ownTag(t.Name)
			args = append(args, jen.Lit(disc), jen.Lit(tag))
		}
		body = append(body, checkRecord(t.Name, args)...)
	}
	f.Func().Id(checkFunc(t.Name)).Params(jen.Id("data").Index().Byte()).Error().Block(body...)
	f.Line()
}

// checkRecord decodes the record name into a local value with args, then
// ends and validates as Decode<name> does, returning its error.
func checkRecord(name string, args []jen.Code) []jen.Code {
	return []jen.Code{
		jen.Var().Id("v").Id(name),
		jen.Id("v").Dot("jsgenDecode").Call(args...),
		jen.Id("r").Dot("End").Call(),
		jen.If(jen.Id("r").Dot("Failed").Call()).Block(jen.Return(jen.Id("r").Dot("Err").Call())),
		jen.Var().Id("errs").Qual(rtPath, "FieldErrors"),
		jen.Id("v").Dot("jsgenValidate").Call(jen.Op("&").Id("errs"), jen.Nil()),
		jen.Return(jen.Id("r").Dot("ErrWith").Call(jen.Id("errs"))),
	}
}

// unionCheck is the body of a union's check after the Reader is set: the
// variant's record check, mirroring <DecodeFrom> and <ValidateInto>
// without boxing the variant.
func (g *generator) unionCheck(u *ir.Union) []jen.Code {
	names := g.unionNames(u.Name)
	disc := jen.Lit(u.Discriminator)
	variant := func(v *ir.Variant) []jen.Code {
		return checkRecord(v.Message, []jen.Code{jen.Op("&").Id("r"), jen.Nil(), disc, jen.Lit(v.Tag)})
	}
	var missing []jen.Code
	cases := make([]jen.Code, 0, len(u.Variants))
	var tags []string
	for _, v := range u.Variants {
		if v.Tag == u.DefaultTag {
			missing = variant(v)
		}
		cases = append(cases, jen.Case(jen.Lit(v.Tag)).Block(variant(v)...))
		tags = append(tags, v.Tag)
	}
	if missing == nil {
		missing = []jen.Code{jen.Id("r").Dot("SkipMissingVariant").Call(jen.Nil(), disc)}
	}
	return []jen.Code{
		jen.List(jen.Id("tag"), jen.Id("found"), jen.Id("ok")).Op(":=").Id("r").Dot("Discriminator").Call(jen.Nil(), disc),
		jen.If(jen.Id("ok").Op("&&").Op("!").Id("found")).Block(missing...),
		jen.If(jen.Id("ok").Op("&&").Id("found")).Block(
			jen.Switch(jen.String().Call(jen.Id("tag"))).Block(cases...),
			jen.Id("r").Dot("SkipUnknownVariant").Call(jen.Nil(), disc, jen.Id("tag"), jen.Lit(strings.Join(tags, ", "))),
		),
		jen.Comment("No variant: validated as nil, as " + names.Decode + " does."),
		jen.Id("r").Dot("End").Call(),
		jen.If(jen.Id("r").Dot("Failed").Call()).Block(jen.Return(jen.Id("r").Dot("Err").Call())),
		jen.Var().Id("errs").Qual(rtPath, "FieldErrors"),
		jen.Id(names.ValidateInto).Call(jen.Nil(), jen.Op("&").Id("errs"), jen.Nil()),
		jen.Return(jen.Id("r").Dot("ErrWith").Call(jen.Id("errs"))),
	}
}

// keyPartsText lists the models of a composite key: "a Lobby and a Team".
func keyPartsText(c *ir.Channel) string {
	var parts []string
	for _, p := range c.KeyParts {
		parts = append(parts, article(p.Model)+" "+p.Model)
	}
	if len(parts) <= 2 {
		return strings.Join(parts, " and ")
	}
	return strings.Join(parts[:len(parts)-1], ", ") + " and " + parts[len(parts)-1]
}

func article(word string) string {
	if word != "" && strings.ContainsRune("AEIO", rune(word[0])) { // "a User", "an Item"
		return "an"
	}
	return "a"
}

// emitChannelKey emits the key struct of a composite key (YAML form only;
// in the Go form it is the user's) and its Ref method, which joins the
// parts' identifiers with ir.KeySeparator:
//
//	type TeamChannelsKey struct {
//		Lobby jsgenrt.Ref[Lobby]
//		Team  jsgenrt.Ref[Team]
//	}
//
//	func (k TeamChannelsKey) Ref() jsgenrt.Ref[TeamChannelsKey] {
//		return jsgenrt.UncheckedRef[TeamChannelsKey](k.Lobby.ID() + "." + k.Team.ID())
//	}
func (g *generator) emitChannelKey(f *jen.File, c *ir.Channel) {
	if c.DeclaresGoType {
		f.Add(docComment(fmt.Sprintf("%s identifies one of the %s: %s. Pass its Ref to\n"+
			"Subscribe and Publish, e.g. ch.Publish(%s{...}.Ref(), msg).", c.Key, c.Name, keyPartsText(c), c.Key)))
		f.Type().Id(c.Key).StructFunc(func(gr *jen.Group) {
			for _, p := range c.KeyParts {
				gr.Comment(fmt.Sprintf("%s is the %s part of the key.", p.GoName, p.Model))
				gr.Id(p.GoName).Qual(rtPath, "Ref").Types(jen.Id(p.Model))
			}
		})
		f.Line()
	}
	var joined jen.Code
	for i, p := range c.KeyParts {
		id := jen.Id("k").Dot(p.GoName).Dot("ID").Call()
		if i == 0 {
			joined = id
			continue
		}
		joined = jen.Add(joined).Op("+").Lit(ir.KeySeparator).Op("+").Add(id)
	}
	f.Add(docComment(fmt.Sprintf("Ref returns the channel key of k: its identifiers in order, joined by %q.\n"+
		"Identifiers never contain %q, so distinct keys never share a channel or a bus\n"+
		"subject. Every part must be a valid (non-zero) Ref.", ir.KeySeparator, ir.KeySeparator)))
	ref := jen.Qual(rtPath, "Ref").Types(jen.Id(c.Key))
	f.Func().Params(jen.Id("k").Id(c.Key)).Id(ir.MethodKeyRef).Params().Add(ref).Block(
		jen.Return(jen.Qual(rtPath, "UncheckedRef").Types(jen.Id(c.Key)).Call(joined)),
	)
	f.Line()
}

// subjectPrefix is the bus subject prefix of a channel family: distinct per
// package and family, so families never share subjects.
func (g *generator) subjectPrefix(name string) string {
	return SubjectPrefix(g.prog.Package, name)
}

// SubjectPrefix is the bus subject prefix the generated Bridge<Name> of
// the channel family name in package pkg uses (ir.SubjectPrefix).
func SubjectPrefix(pkg, name string) string {
	return ir.SubjectPrefix(pkg, name)
}

// encoder is a func(b []byte, m T) []byte for a message or union type.
func (g *generator) encoder(t *ir.Type) jen.Code {
	if t.Kind == ir.UnionK {
		return jen.Id(g.unionNames(t.Name).Append)
	}
	return jen.Func().Params(jen.Id("b").Index().Byte(), jen.Id("m").Id(t.Name)).Index().Byte().Block(
		jen.Return(jen.Id("m").Dot(ir.MethodAppendJSON).Call(jen.Id("b"))),
	)
}

// decoder is a func([]byte) (T, error) that decodes strictly and validates.
func (g *generator) decoder(t *ir.Type) jen.Code {
	return jen.Id(g.decodeFunc(t.Name))
}

// validator is a func(T) error.
func (g *generator) validator(t *ir.Type) jen.Code {
	if t.Kind == ir.UnionK {
		return jen.Id(g.unionNames(t.Name).Validate)
	}
	return jen.Func().Params(jen.Id("m").Id(t.Name)).Error().Block(
		jen.Return(jen.Id("m").Dot(ir.MethodValidate).Call()),
	)
}
