package runtime

import (
	"strings"
)

// Error codes carried by *Error and by WebSocket error frames.
const (
	CodeInvalidJSON    = "invalid_json"    // not well-formed JSON, or invalid UTF-8
	CodeInvalidMessage = "invalid_message" // well-formed, but wrong shape or failed validation
)

// FieldError is one violation at a JSON path, e.g. {"content", "5000
// characters, at most 4000"}. The root is the empty path.
type FieldError struct {
	Path    string `json:"path"`
	Message string `json:"message"`
}

// String formats e as "path: message", or just the message at the root.
func (e FieldError) String() string {
	if e.Path == "" {
		return e.Message
	}
	return e.Path + ": " + e.Message
}

// FieldErrors accumulates violations. Appending to a nil FieldErrors is the
// only allocation validation makes, and only when something is wrong.
type FieldErrors []FieldError

// Add records a violation at path.
func (l *FieldErrors) Add(path, msg string) {
	*l = append(*l, FieldError{Path: path, Message: msg})
}

// Err returns nil for no violations, and otherwise an *Error with code
// CodeInvalidMessage listing all of them.
func (l FieldErrors) Err() error {
	if len(l) == 0 {
		return nil
	}
	return &Error{Code: CodeInvalidMessage, Message: "invalid message", Errors: l}
}

// Error is a decoding or validation failure, shaped like a WebSocket error
// frame: a code, a summary, and every violation with its path.
type Error struct {
	Code    string
	Message string
	Errors  []FieldError
}

// Error lists the summary and every violation.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Message)
	for i, fe := range e.Errors {
		if i == 0 {
			b.WriteString(": ")
		} else {
			b.WriteString("; ")
		}
		b.WriteString(fe.String())
	}
	return b.String()
}
