package ws

import (
	"context"
	"io"
	"iter"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gorilla/websocket"

	jsgenrt "github.com/jsgen-dev/jsgen/runtime"
	"github.com/jsgen-dev/jsgen/runtime/query"
)

// TestQueryInvalidUTF8Refused checks, over HTTP, that a query whose text is
// not valid UTF-8 once percent-decoded is refused with 400 and the
// parameter's path before the upgrade, as generated Prepare functions do
// with runtime/query, and that valid text still upgrades.
func TestQueryInvalidUTF8Refused(t *testing.T) {
	m := newRecMetrics()
	srv, err := New(WithMetrics(m))
	if err != nil {
		t.Fatal(err)
	}
	fields := []query.Field{{Name: "nick", Kind: query.String}, {Name: "tag", Kind: query.String, Array: true}}
	mux := http.NewServeMux()
	Handle(mux, srv, Route[string]{
		Pattern: "GET /q",
		Prepare: func(r *http.Request) (any, int, error) {
			data, err := query.JSON(r.URL.Query(), fields)
			if err != nil {
				return nil, http.StatusBadRequest, err
			}
			return string(data), 0, nil
		},
		Decode: func(b []byte) (string, error) { return string(b), nil },
		Run: func(ctx context.Context, c *Conn, msgs iter.Seq[string]) error {
			_ = c.SendBytes([]byte(c.State().(string)))
			for range msgs {
			}
			return nil
		},
	})
	hs := httptest.NewServer(mux)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
		hs.Close()
	})
	base := "ws" + strings.TrimPrefix(hs.URL, "http") + "/q"
	d := &websocket.Dialer{HandshakeTimeout: testTimeout}

	for _, tc := range []struct {
		query string
		want  []jsgenrt.FieldError
	}{
		{"nick=%FF%FE", []jsgenrt.FieldError{{Path: "nick", Message: "invalid UTF-8 at byte 0"}}},
		{"nick=bob&tag=ok&tag=x%C3", []jsgenrt.FieldError{{Path: "tag[1]", Message: "invalid UTF-8 at byte 1"}}},
		{"nick=bob&n%FFck=1", []jsgenrt.FieldError{{Path: `n\xffck`, Message: "parameter name is not valid UTF-8"}}},
	} {
		c, resp, err := d.DialContext(testCtx(t), base+"?"+tc.query, nil)
		if err == nil {
			_, got, _ := c.ReadMessage()
			c.Close()
			t.Errorf("?%s: upgraded with query %s; want 400", tc.query, got)
			continue
		}
		if resp == nil {
			t.Fatalf("?%s: %v", tc.query, err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("?%s: status %d, want 400 (body %s)", tc.query, resp.StatusCode, body)
			continue
		}
		f := parseErrFrame(t, string(body))
		if f.Code != jsgenrt.CodeInvalidMessage || len(f.Errors) != len(tc.want) {
			t.Errorf("?%s: body %s, want errors %v", tc.query, body, tc.want)
			continue
		}
		for i := range tc.want {
			if f.Errors[i] != tc.want[i] {
				t.Errorf("?%s: error %d = %v, want %v", tc.query, i, f.Errors[i], tc.want[i])
			}
		}
	}
	if n := m.snapshot(func(m *recMetrics) any { return m.opened }).(int); n != 0 {
		t.Errorf("%d connections opened for refused queries, want 0", n)
	}

	c, _, err := d.DialContext(testCtx(t), base+"?nick=%C3%A9l%C3%A8ve&tag=a", nil)
	if err != nil {
		t.Fatalf("valid UTF-8 refused: %v", err)
	}
	defer c.Close()
	if got := read(t, c); got != `{"nick":"élève","tag":["a"]}` {
		t.Errorf("query = %s", got)
	}
}
