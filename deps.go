//go:build tools

package deps

import (
	_ "github.com/dave/jennifer/jen"
	_ "github.com/go-playground/validator/v10"
	_ "github.com/gobwas/ws"
	_ "github.com/google/go-cmp/cmp"
	_ "github.com/invopop/jsonschema"
	_ "github.com/nats-io/nats-server/v2/server"
	_ "github.com/nats-io/nats.go"
	_ "github.com/olahol/melody"
	_ "github.com/redis/go-redis/v9"
	_ "go.uber.org/goleak"
	_ "go.yaml.in/yaml/v3"
	_ "golang.org/x/tools/go/packages"
	_ "golang.org/x/tools/txtar"
)
