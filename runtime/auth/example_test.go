package auth_test

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/jsgen-dev/jsgen/runtime/auth"
)

// An HTTP handler that requires a token: 401 when it is missing or
// invalid, the subject otherwise.
func Example() {
	key := []byte("a secret of at least 32 bytes!!!") // in production: 32 random bytes from configuration
	signer, _ := auth.NewHS256Signer(key, auth.WithIssuer("chat"))
	verifier, _ := auth.NewHS256(key, auth.WithIssuer("chat"))

	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		token, err := auth.BearerToken(r)
		if err != nil {
			http.Error(w, "token required", http.StatusUnauthorized)
			return
		}
		claims, err := verifier.Verify(r.Context(), token)
		if errors.Is(err, auth.ErrExpired) {
			http.Error(w, "session expired", http.StatusUnauthorized)
			return
		}
		if err != nil {
			http.Error(w, "invalid token", http.StatusUnauthorized)
			return
		}
		fmt.Fprintf(w, "hello %s", claims.Subject)
	})

	token, _ := signer.Sign(auth.Claims{Subject: "alice", ExpiresAt: time.Now().Add(time.Hour)})
	for _, target := range []string{"/me", "/me?access_token=" + token, "/me?access_token=not-a-jwt"} {
		w := httptest.NewRecorder()
		handler.ServeHTTP(w, httptest.NewRequest(http.MethodGet, target, nil))
		fmt.Println(w.Code, strings.TrimSpace(w.Body.String()))
	}
	// Output:
	// 401 token required
	// 200 hello alice
	// 401 invalid token
}
