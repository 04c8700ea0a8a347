// Command jsgen generates typed real-time WebSocket room services from
// declarations in jsgen.yaml or annotated Go. Run `jsgen help` for usage.
package main

import (
	"context"
	"os"
	"os/signal"

	"github.com/jsgen-dev/jsgen/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := cli.MainContext(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
