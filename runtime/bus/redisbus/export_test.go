package redisbus

// MaxBatch is the most messages one pipeline carries.
const MaxBatch = maxBatch

// WithSendHook makes the bus's writer call f before each pipeline, from
// the writer goroutine: a test can block it to let messages accumulate.
func WithSendHook(f func()) Option { return func(c *config) { c.sendHook = f } }
