package ws

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"reflect"
	"strings"
	"sync"
	"time"

	"github.com/jsgen-dev/jsgen/runtime/auth"
)

// CloseTokenExpired is the close code of a connection whose token expired
// (Route.Authenticate): the client should get a fresh token and reconnect.
const CloseTokenExpired = 4001

// Errors of Conn.Reauthenticate.
var (
	// ErrNoAuthenticate: the connection's route has no Authenticate.
	ErrNoAuthenticate = errors.New("ws: reauthenticate: the connection's route has no Authenticate")
	// ErrIdentityChanged: the new token is valid but identifies someone
	// else than the connection's identity.
	ErrIdentityChanged = errors.New("ws: reauthenticate: the token identifies someone else than the connection")
)

// AuthenticateWith returns a Route.Authenticate that verifies the token
// with v and returns identity(ctx, claims) as the connection's identity
// and the token's exp as its expiry. With a nil identity function the
// identity is the token's subject (a string), and a token without one is
// refused.
func AuthenticateWith(v auth.Verifier, identity func(ctx context.Context, c auth.Claims) (any, error)) func(ctx context.Context, r *http.Request, token string) (any, time.Time, error) {
	return func(ctx context.Context, _ *http.Request, token string) (any, time.Time, error) {
		c, err := v.Verify(ctx, token)
		if err != nil {
			return nil, time.Time{}, err
		}
		if identity == nil {
			if c.Subject == "" {
				return nil, time.Time{}, fmt.Errorf("%w: no subject (sub)", auth.ErrInvalidToken)
			}
			return c.Subject, c.ExpiresAt, nil
		}
		id, err := identity(ctx, c)
		if err != nil {
			return nil, time.Time{}, err
		}
		return id, c.ExpiresAt, nil
	}
}

// connAuth is what an authenticated connection keeps: how to check a new
// token, and the expiry timer (none while the token does not expire).
type connAuth struct {
	authenticate func(ctx context.Context, r *http.Request, token string) (any, time.Time, error)
	req          *http.Request // the upgrade request without token, headers or body

	mu      sync.Mutex
	expires time.Time
	timer   *time.Timer
}

// identify establishes the connection's identity before the upgrade: the
// route's Authenticate when it has one (see authenticate), else its guard.
// It returns the request the rest of the chain sees.
func (h *routeHandler[In]) identify(w http.ResponseWriter, r *http.Request) (any, *connAuth, *http.Request, bool) {
	if h.rt.Authenticate == nil {
		identity, ok := h.guard(w, r)
		return identity, nil, r, ok
	}
	return h.authenticate(w, r)
}

// authenticate takes the bearer token (auth.BearerToken), removes
// access_token from the request, and runs the route's Authenticate. It
// refuses the upgrade with 401 (or the status of a *RefusalError) when
// the token is missing or refused, or expires before the upgrade.
func (h *routeHandler[In]) authenticate(w http.ResponseWriter, r *http.Request) (any, *connAuth, *http.Request, bool) {
	token, err := auth.BearerToken(r)
	r = withoutToken(r)
	if err != nil {
		h.refuseAuth(w, err, "")
		return nil, nil, nil, false
	}
	identity, expires, err := h.rt.Authenticate(r.Context(), r, token)
	if err == nil && !expires.IsZero() && !time.Now().Before(expires) {
		err = auth.ErrExpired
	}
	if err != nil {
		h.refuseAuth(w, err, token)
		return nil, nil, nil, false
	}
	return identity, &connAuth{authenticate: h.rt.Authenticate, req: reauthRequest(r), expires: expires}, r, true
}

// withoutToken returns r, or a shallow copy of it whose URL and
// RequestURI have no access_token parameter.
func withoutToken(r *http.Request) *http.Request {
	q := auth.StripQuery(r.URL.RawQuery)
	if q == r.URL.RawQuery {
		return r
	}
	r2 := r.WithContext(r.Context())
	u := *r.URL
	u.RawQuery = q
	u.ForceQuery = false
	r2.URL = &u
	r2.RequestURI = u.RequestURI()
	return r2
}

// reauthRequest is the request Reauthenticate passes to Authenticate: the
// upgrade's method, URL (token removed), path values, host and remote
// address, without headers, body or the upgrade's context.
func reauthRequest(r *http.Request) *http.Request {
	r2 := r.WithContext(context.Background())
	r2.Header = http.Header{}
	r2.Body = http.NoBody
	r2.GetBody = nil
	r2.ContentLength = 0
	r2.Trailer = nil
	r2.Form, r2.PostForm, r2.MultipartForm = nil, nil, nil
	return r2
}

// refuseAuth answers a request whose token is missing or refused: a
// *RefusalError with its status (401 when it is not 4xx or 5xx), code and
// message; any other error with 401, its text when it is an
// auth.ErrInvalidToken, else "authentication failed" (the error is only
// logged). token is removed from everything sent or logged.
func (h *routeHandler[In]) refuseAuth(w http.ResponseWriter, err error, token string) {
	status, code, msg := http.StatusUnauthorized, CodeUnauthorized, "authentication failed"
	challenge := `Bearer error="invalid_token"`
	var ref *RefusalError
	switch {
	case errors.As(err, &ref):
		if ref.Status >= 400 && ref.Status <= 599 {
			status, code = ref.Status, ref.Code
		}
		if code == "" {
			code = codeForStatus(status)
		}
		msg = ref.Message
	case errors.Is(err, auth.ErrNoToken):
		msg, challenge = "a token is required: send it as \"Authorization: Bearer TOKEN\" or as the access_token query parameter", "Bearer"
	case errors.Is(err, auth.ErrMalformed):
		msg, challenge = strings.TrimPrefix(err.Error(), "auth: "), `Bearer error="invalid_request"`
	case errors.Is(err, auth.ErrExpired):
		msg = "token expired"
	case errors.Is(err, auth.ErrInvalidToken):
		msg = invalidTokenMessage(err.Error())
	}
	level := slog.LevelDebug
	if code == CodeUnauthorized && !isAuthError(err) {
		level = slog.LevelWarn // the app's Authenticate failed for another reason
	}
	h.srv.opts.Logger.Log(context.Background(), level, "ws: authentication refused", "route", h.rt.Pattern, "status", status, "err", auth.Redact(err.Error(), token))
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", challenge)
	}
	h.srv.refuse(w, h.rt.Pattern, status, code, auth.Redact(msg, token), nil)
}

// invalidTokenMessage keeps, of the text of an error wrapping
// auth.ErrInvalidToken, the part from "invalid token" on: what is wrong
// with the token, without the context the app's Authenticate added.
func invalidTokenMessage(text string) string {
	const marker = "invalid token"
	if i := strings.Index(text, marker); i >= 0 {
		return text[i:]
	}
	return marker
}

// isAuthError reports whether err is a token problem (as opposed to an
// Authenticate that failed for another reason).
func isAuthError(err error) bool {
	var ref *RefusalError
	return errors.Is(err, auth.ErrInvalidToken) || errors.Is(err, auth.ErrNoToken) || errors.Is(err, auth.ErrMalformed) || errors.As(err, &ref)
}

// startAuth binds a to c and schedules the expiry close.
func (h *routeHandler[In]) startAuth(c *Conn, a *connAuth) {
	if a == nil {
		return
	}
	c.auth = a
	a.mu.Lock()
	a.schedule(c)
	a.mu.Unlock()
}

// schedule arms the expiry timer for a.expires (stops it when zero). The
// timer exists only once some token of the connection expires; it is
// stopped when the connection's context ends. The caller holds a.mu.
func (a *connAuth) schedule(c *Conn) {
	if a.expires.IsZero() {
		if a.timer != nil {
			a.timer.Stop()
		}
		return
	}
	d := time.Until(a.expires)
	if a.timer != nil {
		a.timer.Reset(d)
		return
	}
	a.timer = time.AfterFunc(d, func() { a.expire(c) })
	t := a.timer
	context.AfterFunc(c.ctx, func() { t.Stop() })
}

// expire closes c with 4001 unless Reauthenticate has moved the expiry
// meanwhile.
func (a *connAuth) expire(c *Conn) {
	a.mu.Lock()
	due := !a.expires.IsZero() && !time.Now().Before(a.expires)
	a.mu.Unlock()
	if due {
		c.Close(CloseTokenExpired, "token expired")
	}
}

// Reauthenticate checks a new token for the connection, typically sent by
// the client before its token expires: it runs the route's Authenticate
// again (its request carries the upgrade's method, URL, path values, host
// and remote address, but no headers and ctx as context), requires the
// same identity, and moves the expiry to the new token's (a token without
// expiry removes it). The identity is the same when the values are == or,
// if the connection's identity implements interface{ SameIdentity(any)
// bool }, when that says so; identities that cannot be compared with ==
// (slices, maps, pointers to fresh values) need SameIdentity.
//
// On any error the connection keeps its identity and expiry and stays
// open: ErrNoAuthenticate, ErrClosed, ErrIdentityChanged, auth.ErrExpired
// when the new token has already expired, or Authenticate's error. No
// error contains the token.
func (c *Conn) Reauthenticate(ctx context.Context, token string) error {
	a := c.auth
	if a == nil {
		return ErrNoAuthenticate
	}
	if c.closing.Load() {
		return ErrClosed
	}
	identity, expires, err := a.authenticate(ctx, a.req.WithContext(ctx), token)
	switch {
	case err != nil:
		return &redactedError{err: err, token: token}
	case !sameIdentity(c.identity, identity):
		return ErrIdentityChanged
	case !expires.IsZero() && !time.Now().Before(expires):
		return fmt.Errorf("ws: reauthenticate: %w", auth.ErrExpired)
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if c.closing.Load() {
		return ErrClosed
	}
	a.expires = expires
	a.schedule(c)
	return nil
}

// TokenExpires returns when the connection's token expires (zero when it
// does not, or the route has no Authenticate).
func (c *Conn) TokenExpires() time.Time {
	a := c.auth
	if a == nil {
		return time.Time{}
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.expires
}

// sameIdentity reports whether identity b is the same as a: a's
// SameIdentity(b) when a has that method, else a == b for comparable
// values of one type.
func sameIdentity(a, b any) (same bool) {
	if s, ok := a.(interface{ SameIdentity(any) bool }); ok {
		return s.SameIdentity(b)
	}
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	ta := reflect.TypeOf(a)
	if ta != reflect.TypeOf(b) || !ta.Comparable() {
		return false
	}
	defer func() {
		if recover() != nil { // a comparable type holding an incomparable value
			same = false
		}
	}()
	return a == b
}

// redactedError is an error of Authenticate with the token removed from
// its text.
type redactedError struct {
	err   error
	token string
}

func (e *redactedError) Error() string { return auth.Redact(e.err.Error(), e.token) }
func (e *redactedError) Unwrap() error { return e.err }
