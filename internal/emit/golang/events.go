package golang

import (
	"fmt"

	"github.com/dave/jennifer/jen"

	"github.com/jsgen-dev/jsgen/internal/genfile"
	"github.com/jsgen-dev/jsgen/schema/ir"
)

// EventsFile holds the typed event buses.
const EventsFile = ir.GoEventsFile

// eventsFile emits, per event bus:
//
//	type ChatEvents struct{ bus bus.Bus; roomMessage bus.Topic[RoomPayload] }
//	func NewChatEvents(b bus.Bus, logger *slog.Logger) *ChatEvents
//	func (e *ChatEvents) EmitRoomMessage(ctx context.Context, p RoomPayload) error
//	func (e *ChatEvents) OnRoomMessage(handler func(ctx context.Context, p RoomPayload)) (*bus.TopicSubscription, error)
func (g *generator) eventsFile() (genfile.File, bool, error) {
	if len(g.prog.EventBuses) == 0 {
		return genfile.File{}, false, nil
	}
	f := newFile(g.prog.Package)
	f.ImportName(busPath, "bus")
	for _, e := range g.prog.EventBuses {
		g.emitEventBus(f, e)
	}
	out, err := render(EventsFile, f)
	return out, true, err
}

func topicField(t *ir.Topic) string { return "topic" + t.GoName }

func (g *generator) emitEventBus(f *jen.File, e *ir.EventBus) {
	f.Add(docComment(declDoc(e.Name, e.Doc, e.Name+" is a typed event bus.") +
		"\n\nCreate it with New" + e.Name + ". Payloads are validated before they are emitted and\n" +
		"after they are received; it is safe for concurrent use."))
	f.Type().Id(e.Name).StructFunc(func(gr *jen.Group) {
		gr.Id("bus").Qual(busPath, "Bus")
		for _, t := range e.Topics {
			gr.Id(topicField(t)).Qual(busPath, "Topic").Types(jen.Id(t.Payload.Name))
		}
	})
	f.Line()
	f.Add(docComment(fmt.Sprintf("New%s returns %s publishing and subscribing on b. Received payloads that are\n"+
		"malformed or invalid are dropped, counted and logged to logger (nil means slog.Default()).", e.Name, e.Name)))
	f.Func().Id(e.Names.New).Params(jen.Id("b").Qual(busPath, "Bus"), jen.Id("logger").Op("*").Qual("log/slog", "Logger")).Op("*").Id(e.Name).Block(
		jen.Return(jen.Op("&").Id(e.Name).ValuesFunc(func(gr *jen.Group) {
			gr.Line().Id("bus").Op(":").Id("b")
			for _, t := range e.Topics {
				gr.Line().Id(topicField(t)).Op(":").Qual(busPath, "Topic").Types(jen.Id(t.Payload.Name)).Values(jen.Dict{
					jen.Id("Subject"):  jen.Lit(t.Name),
					jen.Id("Encode"):   g.encoder(t.Payload),
					jen.Id("Decode"):   g.decoder(t.Payload),
					jen.Id("Validate"): g.validator(t.Payload),
					jen.Id("Logger"):   jen.Id("logger"),
				})
			}
			gr.Line()
		})),
	)
	f.Line()
	for _, t := range e.Topics {
		p := t.Payload.Name
		f.Add(docComment(fmt.Sprintf("Emit%s validates p and publishes it on topic %q. An invalid payload is\n"+
			"not published: the error wraps its *jsgenrt.Error.", t.GoName, t.Name)))
		f.Func().Params(jen.Id("e").Op("*").Id(e.Name)).Id(t.Names.Emit).Params(
			jen.Id("ctx").Qual("context", "Context"), jen.Id("p").Id(p),
		).Error().Block(
			jen.Return(jen.Id("e").Dot(topicField(t)).Dot("Emit").Call(jen.Id("ctx"), jen.Id("e").Dot("bus"), jen.Id("p"))),
		)
		f.Line()
		f.Add(docComment(fmt.Sprintf("On%s calls handler with every valid payload received on topic %q, one at a\n"+
			"time, until the subscription is closed (Unsubscribe). A panicking handler is recovered and logged.", t.GoName, t.Name)))
		f.Func().Params(jen.Id("e").Op("*").Id(e.Name)).Id(t.Names.On).Params(
			jen.Id("handler").Func().Params(jen.Id("ctx").Qual("context", "Context"), jen.Id("p").Id(p)),
		).Parens(jen.List(jen.Op("*").Qual(busPath, "TopicSubscription"), jen.Error())).Block(
			jen.Return(jen.Id("e").Dot(topicField(t)).Dot("On").Call(jen.Id("e").Dot("bus"), jen.Id("handler"))),
		)
		f.Line()
	}
}
