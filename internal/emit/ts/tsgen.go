// Package ts turns a validated IR program into one TypeScript module,
// client.ts: the app's wire types and a typed WebSocket client per route.
// It is pure (IR in, file contents out, no disk I/O) and deterministic: the
// output depends only on the order of the IR's slices.
//
// The module has no runtime dependency. It needs a WebSocket constructor:
// the global one of browsers and Node.js 22 and later, or one passed in the
// options (on Node.js 20, the "ws" package's). It type-checks under
// `tsc --strict`, also with exactOptionalPropertyTypes,
// noUncheckedIndexedAccess and erasableSyntaxOnly, with or without the DOM
// library.
//
// How the IR maps onto TypeScript, following the wire format of the
// generated Go:
//
//   - A message or model is an interface with its fields in declaration
//     order; optional and defaulted fields are optional (`?:`), and null is
//     never part of a type. A message that is a variant of exactly one union
//     has that union's discriminator as an optional first member whose type
//     is its tag (its Go encoder always writes it; its decoder accepts it).
//   - string is string, bool boolean; int, int64, float64 and timestamp
//     (Unix milliseconds) are number. An enum is a union of string literals.
//     A Ref to a model is the model's identifier, a string aliased as
//     <Model>Ref. Arrays are T[], maps { [key: string]: T }.
//   - A union is a TypeScript discriminated union: each variant is its
//     message intersected with { <discriminator>: "<tag>" }, the
//     discriminator optional only for the union's default variant.
//   - Each WebSocket route gets connect<Controller><Route>(baseURL, args,
//     options): args holds the typed path params and query; the client's
//     send takes the route's inbound type, and on(type, handler) is typed
//     per event: one per variant tag of its outbound unions and per
//     outbound message (by its tag if it has one, else by its name), plus
//     "error" (error frames), "open" and "close". Reconnection uses
//     exponential backoff with jitter and stops after close().
//
// Every TypeScript name comes from the IR. Declarations whose TypeScript
// names would clash — with each other, with the names the module defines
// itself, or with the global types it uses — and union tags "open" or
// "close" on an outbound type are refused by ir.Build.
package ts

import (
	"bytes"
	_ "embed"
	"fmt"

	"github.com/jsgen-dev/jsgen/internal/genfile"
	"github.com/jsgen-dev/jsgen/schema/ir"
)

// FileName is the path of the generated module.
const FileName = ir.TSClientFile

//go:embed runtime.ts
var runtimeTS string

// header starts every generated module.
// After the first line, genfile.Header.
const header = `//
// Wire types and typed WebSocket clients of the %s API. No runtime
// dependency: it needs only a WebSocket constructor, the global one of
// browsers and Node.js 22 and later, or options.WebSocket (e.g. the "ws"
// package's on Node.js 20).
//
// Timestamps are Unix milliseconds. Optional members are left out when
// absent; null is never sent and never accepted.

`

// Generate returns client.ts for p. An error means p is not a consistent
// IR (ir.Build refuses every user mistake the client could meet).
func Generate(p *ir.Program) ([]genfile.File, error) {
	f, err := generate(p)
	if err != nil {
		return nil, err
	}
	return []genfile.File{f}, nil
}

// generate returns client.ts for p.
func generate(p *ir.Program) (genfile.File, error) {
	if p == nil {
		return genfile.File{}, fmt.Errorf("ts: nil program")
	}
	g, err := newGenerator(p)
	if err != nil {
		return genfile.File{}, err
	}
	routes, err := g.plan()
	if err != nil {
		return genfile.File{}, err
	}
	g.buf.WriteString(genfile.Header("//") + "\n")
	fmt.Fprintf(&g.buf, header, p.Package)
	if err := g.models(); err != nil {
		return genfile.File{}, err
	}
	g.enums()
	if err := g.messages(); err != nil {
		return genfile.File{}, err
	}
	if err := g.unions(); err != nil {
		return genfile.File{}, err
	}
	g.buf.WriteString(runtimeTS)
	for _, r := range routes {
		g.route(r)
	}
	return genfile.File{Path: FileName, Data: bytes.Clone(g.buf.Bytes())}, nil
}
