package main

import (
	"time"

	"github.com/jsgen-dev/jsgen/runtime/auth"
)

// benchSessionKey signs the chat example's session tokens in the harness
// (-session-key), so the load generator can sign a token per member instead
// of logging each one in through POST /chat/session. It is the harness's
// own key, used on loopback only.
const benchSessionKey = "jsgen bench session key, loopback only"

// sessionToken returns a chat session token for user (subject user, one
// session per user), valid for a day: what POST /chat/session would issue.
func sessionToken(user string) string {
	s, err := auth.NewHS256Signer([]byte(benchSessionKey))
	if err != nil {
		panic("bench: session key: " + err.Error()) // a constant: a programming error
	}
	now := time.Now()
	tok, err := s.Sign(auth.Claims{Subject: user, ID: "bench-" + user, IssuedAt: now, ExpiresAt: now.Add(24 * time.Hour)})
	if err != nil {
		panic("bench: signing a session token: " + err.Error())
	}
	return tok
}
