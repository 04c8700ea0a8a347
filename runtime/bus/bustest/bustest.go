// Package bustest is test support for bus.Bus implementations and for the
// cluster tests built on them: real servers started inside `go test` and a
// conformance suite every implementation must pass.
//
//   - StartNATS runs an embedded nats-server (github.com/nats-io/nats-server)
//     on a random loopback port; Stop and Start simulate an outage on the
//     same port.
//   - StartRedis runs a real redis-server binary on a free loopback port in
//     a temporary directory, without persistence; Kill (SIGKILL) and Start
//     simulate a crash and restart on the same port. When the binary is
//     missing the test is skipped, or failed if JSGEN_REQUIRE_SERVICES=1.
//   - NewTLS makes a throw-away CA and server certificate for TLS tests.
//   - RunConformance checks the bus.Bus semantics (exact subjects, no
//     wildcard leakage, order per publisher, unsubscribe, close, contained
//     panics, slow handlers, data ownership, a channel.Bridge between two
//     nodes) against any implementation.
//
// Every server is stopped by t.Cleanup, so tests using this package stay
// goleak-clean as long as they close their own clients.
package bustest
