package auth

import (
	"log/slog"
	"net/url"
	"strings"
)

// Redacted replaces a secret in logs and redacted queries.
const Redacted = "REDACTED"

// StripQuery returns rawQuery without its access_token parameters (under
// any percent-encoding of the name); the other parameters keep their
// order and encoding. A query without one is returned as is.
func StripQuery(rawQuery string) string {
	return rewriteQuery(rawQuery, false)
}

// RedactQuery returns rawQuery with the value of each access_token
// parameter replaced by REDACTED, for logging.
func RedactQuery(rawQuery string) string {
	return rewriteQuery(rawQuery, true)
}

// RedactURL returns u as a string with the access_token parameters'
// values and the password of its user info replaced by REDACTED, for
// logging. u is not modified; nil gives "".
func RedactURL(u *url.URL) string {
	if u == nil {
		return ""
	}
	c := *u
	c.RawQuery = RedactQuery(u.RawQuery)
	if c.User != nil {
		if _, ok := c.User.Password(); ok {
			c.User = url.UserPassword(c.User.Username(), Redacted)
		}
	}
	return c.String()
}

// Redact returns s with every occurrence of token replaced by REDACTED:
// for error texts and messages that might quote a token you know. An
// empty token changes nothing.
func Redact(s, token string) string {
	if token == "" || !strings.Contains(s, token) {
		return s
	}
	return strings.ReplaceAll(s, token, Redacted)
}

// rewriteQuery drops (or, with redact, blanks out) the access_token
// parameters of rawQuery.
func rewriteQuery(rawQuery string, redact bool) string {
	if !mayHaveToken(rawQuery) {
		return rawQuery
	}
	parts := strings.Split(rawQuery, "&")
	kept, changed := parts[:0], false
	for _, part := range parts {
		key, _, _ := strings.Cut(part, "=")
		if k, err := url.QueryUnescape(key); err == nil && k == QueryParam {
			changed = true
			if !redact {
				continue
			}
			part = key + "=" + Redacted
		}
		kept = append(kept, part)
	}
	if !changed {
		return rawQuery
	}
	return strings.Join(kept, "&")
}

// mayHaveToken is a cheap filter: a query without "access" or a percent
// sign cannot name access_token.
func mayHaveToken(rawQuery string) bool {
	return strings.Contains(rawQuery, "access") || strings.Contains(rawQuery, "%")
}

// sensitiveKeys are attribute keys whose values ReplaceAttr redacts,
// compared case-insensitively with '-' read as '_'.
var sensitiveKeys = map[string]bool{
	"authorization":       true,
	"proxy_authorization": true,
	"access_token":        true,
	"refresh_token":       true,
	"id_token":            true,
	"token":               true,
	"bearer":              true,
	"jwt":                 true,
	"password":            true,
	"secret":              true,
	"cookie":              true,
	"set_cookie":          true,
}

// ReplaceAttr is a slog.HandlerOptions.ReplaceAttr that keeps tokens out
// of logs: the value of an attribute whose key is authorization,
// access_token, refresh_token, id_token, token, bearer, jwt, password,
// secret, cookie or set-cookie (any case, '-' or '_') becomes REDACTED;
// a *url.URL or url.URL value is logged through RedactURL; a string value
// containing "access_token=" has that parameter's value redacted. It
// leaves every other attribute as it is.
//
//	slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{ReplaceAttr: auth.ReplaceAttr}))
func ReplaceAttr(_ []string, a slog.Attr) slog.Attr {
	if isSensitiveKey(a.Key) {
		return slog.String(a.Key, Redacted)
	}
	v := a.Value.Resolve()
	switch v.Kind() {
	case slog.KindString:
		if s := v.String(); strings.Contains(s, QueryParam) {
			return slog.String(a.Key, redactText(s))
		}
	case slog.KindAny:
		switch u := v.Any().(type) {
		case *url.URL:
			return slog.String(a.Key, RedactURL(u))
		case url.URL:
			return slog.String(a.Key, RedactURL(&u))
		}
	}
	return a
}

func isSensitiveKey(k string) bool {
	if len(k) > 24 {
		return false
	}
	return sensitiveKeys[strings.ReplaceAll(strings.ToLower(k), "-", "_")]
}

// redactText redacts access_token=VALUE wherever it appears in free text
// (a logged URL, a request line): VALUE runs to the next '&', space,
// quote or end.
func redactText(s string) string {
	const marker = QueryParam + "="
	var b strings.Builder
	for {
		i := strings.Index(s, marker)
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		b.WriteString(s[:i+len(marker)])
		s = s[i+len(marker):]
		end := strings.IndexAny(s, "& \t\r\n\"'<>#")
		if end < 0 {
			end = len(s)
		}
		if end > 0 {
			b.WriteString(Redacted)
		}
		s = s[end:]
	}
}
