// Parses and validates an AsyncAPI document with the official parser and
// prints a JSON summary: the diagnostics, and what the parsed document says
// (channels, parameters, operations, messages and their payloads).
//
//   node validate.cjs FILE
"use strict";
const fs = require("node:fs");
const { Parser } = require("@asyncapi/parser");

const severities = ["error", "warning", "information", "hint"];

async function main() {
  const file = process.argv[2];
  const text = fs.readFileSync(file, "utf8");
  const parser = new Parser();
  const { document, diagnostics } = await parser.parse(text, { source: file });
  const summary = {
    diagnostics: diagnostics.map((d) => ({
      severity: severities[d.severity] ?? String(d.severity),
      code: String(d.code),
      path: d.path.join("/"),
      message: d.message,
    })),
  };
  if (document !== undefined) {
    summary.version = document.version();
    summary.title = document.info().title();
    summary.channels = document.channels().all().map((ch) => ({
      id: ch.id(),
      address: ch.address(),
      parameters: ch.parameters().all().map((p) => p.id()),
      messages: ch.messages().all().map((m) => m.id()),
    }));
    summary.operations = document.operations().all().map((op) => ({
      id: op.id(),
      action: op.action(),
      channels: op.channels().all().map((ch) => ch.id()),
      messages: op.messages().all().map((m) => m.id()),
    }));
    summary.payloads = {};
    for (const m of document.allMessages().all()) {
      const p = m.payload();
      summary.payloads[m.id()] = {
        type: p?.type() ?? null,
        required: p?.required() ?? null,
        properties: p?.properties() ? Object.keys(p.properties()) : null,
        oneOf: p?.oneOf() ? p.oneOf().length : null,
      };
    }
  }
  process.stdout.write(JSON.stringify(summary, null, 2) + "\n");
}

main().catch((err) => {
  process.stderr.write(String(err && err.stack ? err.stack : err) + "\n");
  process.exit(2);
});
