package ir

import (
	"go/token"
	"strings"
	"unicode"
	"unicode/utf8"
)

// initialisms are written in upper case in Go names (roomId → RoomID), as
// golint and the standard library do.
var initialisms = map[string]bool{
	"ACL": true, "API": true, "ASCII": true, "CPU": true, "CSS": true, "DM": true, "DNS": true,
	"EOF": true, "GUID": true, "HTML": true, "HTTP": true, "HTTPS": true, "ID": true, "IP": true,
	"JSON": true, "LHS": true, "QPS": true, "RAM": true, "RHS": true, "RPC": true, "SLA": true,
	"SMTP": true, "SQL": true, "SSH": true, "TCP": true, "TLS": true, "TTL": true, "UDP": true,
	"UI": true, "UID": true, "URI": true, "URL": true, "UTF8": true, "UUID": true, "VM": true,
	"WS": true, "XML": true, "XMPP": true, "XSRF": true, "XSS": true,
}

// GoName converts a wire name (camelCase, snake_case, kebab-case or dotted)
// to an exported Go identifier: roomId → RoomID, created_at → CreatedAt,
// room.message → RoomMessage. It returns "" when nothing usable is left.
func GoName(s string) string {
	var b strings.Builder
	for _, w := range words(s) {
		if up := strings.ToUpper(w); initialisms[up] {
			b.WriteString(up)
			continue
		}
		r, size := utf8.DecodeRuneInString(w)
		b.WriteRune(unicode.ToUpper(r))
		b.WriteString(w[size:])
	}
	return b.String()
}

// words splits s at separators (anything not a letter or digit) and at
// lower→upper case changes.
func words(s string) []string {
	var out []string
	start := -1
	var prev rune
	for i, r := range s {
		isWord := unicode.IsLetter(r) || unicode.IsDigit(r)
		switch {
		case !isWord:
			if start >= 0 {
				out = append(out, s[start:i])
				start = -1
			}
		case start < 0:
			start = i
		case unicode.IsUpper(r) && (unicode.IsLower(prev) || unicode.IsDigit(prev)):
			out = append(out, s[start:i])
			start = i
		}
		prev = r
	}
	if start >= 0 {
		out = append(out, s[start:])
	}
	return out
}

// lowerCamel returns s with its leading upper-case run in lower case, as Go
// does for unexported names: Room → room, DM → dm, URLPath → urlPath.
func lowerCamel(s string) string {
	rs := []rune(s)
	i := 0
	for i < len(rs) && unicode.IsUpper(rs[i]) {
		i++
	}
	if i > 1 && i < len(rs) && unicode.IsLower(rs[i]) {
		i-- // the last upper-case letter starts the next word
	}
	for j := range i {
		rs[j] = unicode.ToLower(rs[j])
	}
	return string(rs)
}

// isExportedIdent reports whether s is an exported Go identifier.
func isExportedIdent(s string) bool {
	return token.IsIdentifier(s) && token.IsExported(s)
}
