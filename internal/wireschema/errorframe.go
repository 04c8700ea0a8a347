package wireschema

import (
	"fmt"

	js "github.com/invopop/jsonschema"

	"github.com/jsgen-dev/jsgen/internal/genfile"
)

// ErrorFrameName names the document of the runtime's error frame,
// ErrorFrameName + ".schema.json". It contains a dot, so it never clashes
// with a declaration's document.
const ErrorFrameName = "jsgen.ErrorFrame"

// ErrorFrameSchema is the JSON Schema of the error frame every WebSocket
// route may send (an invalid frame, a rate limit, a binary frame, or the
// app's own refusal through ws.Conn.SendErrorFrame):
//
//	{"type":"error","code":"…","message":"…","errors":[{"path":"…","message":"…"}]}
//
// It is the same schema as the AsyncAPI document's jsgen.error message and
// the TypeScript client's JsgenErrorFrame.
func ErrorFrameSchema() *js.Schema {
	str := func(doc string) *js.Schema { return &js.Schema{Type: "string", Description: doc} }
	fieldError := &js.Schema{Type: "object", Properties: js.NewProperties(), AdditionalProperties: js.FalseSchema,
		Required: []string{"path", "message"}}
	fieldError.Properties.Set("path", str("JSON path of the offending value in the refused frame, e.g. content or items[2].name."))
	fieldError.Properties.Set("message", str(""))
	s := &js.Schema{
		Version: Draft,
		Title:   "ErrorFrame",
		Description: "The server refused a frame (invalid JSON, a message that does not match the declared type, " +
			"a rate limit, a binary frame) or the app refused it for a reason of its own. The connection stays " +
			"open unless the server closes it.",
		Type:                 "object",
		Properties:           js.NewProperties(),
		Required:             []string{"type", "code", "message", "errors"},
		AdditionalProperties: js.FalseSchema,
	}
	s.Properties.Set("type", &js.Schema{Const: "error"})
	s.Properties.Set("code", str("Machine-readable reason, e.g. invalid_json, invalid_message, rate_limited, binary_not_supported, or the app's own."))
	s.Properties.Set("message", str(""))
	s.Properties.Set("errors", &js.Schema{Type: "array", Items: fieldError})
	return s
}

// ErrorFrameValue returns ErrorFrameSchema as a Value in canonical order.
func ErrorFrameValue() (*Value, error) {
	v, err := ValueOf(ErrorFrameSchema())
	if err != nil {
		return nil, fmt.Errorf("wireschema: rendering %s: %w", ErrorFrameName, err)
	}
	return v, nil
}

// ErrorFrame returns the document of the error frame (ErrorFrameSchema),
// written next to the declarations' documents for apps with controllers.
func ErrorFrame() (genfile.File, error) {
	v, err := ErrorFrameValue()
	if err != nil {
		return genfile.File{}, err
	}
	return genfile.File{Path: FileName(ErrorFrameName), Data: v.JSON()}, nil
}
