package wireschema

import (
	"fmt"

	"github.com/jsgen-dev/jsgen/schema/yamlspec/config"
)

// ConfigFileName is the name of the committed JSON Schema of jsgen.yaml, in
// the directory of schema/yamlspec (next to the types it is reflected from,
// schema/yamlspec/config).
const ConfigFileName = "jsgen.schema.json"

// ConfigSchema returns the JSON Schema of jsgen.yaml in canonical form (see
// Marshal): the bytes of the committed jsgen.schema.json, which a test keeps
// equal to this.
func ConfigSchema() ([]byte, error) {
	s, err := config.Schema()
	if err != nil {
		return nil, err
	}
	data, err := Marshal(s)
	if err != nil {
		return nil, fmt.Errorf("wireschema: rendering the schema of jsgen.yaml: %w", err)
	}
	return data, nil
}
