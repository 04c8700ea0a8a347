package ts

import (
	"strings"
	"testing"

	"github.com/jsgen-dev/jsgen/schema/ir"
)

// TestInternalErrorsNameThePackage checks that the emitter's errors (an
// inconsistent IR is a bug in jsgen, not bad input) start with "ts: ".
func TestInternalErrorsNameThePackage(t *testing.T) {
	bad := &ir.Program{Package: "p", Unions: []*ir.Union{{Name: "U", Discriminator: "type", Variants: []*ir.Variant{{Tag: "a", Message: "Missing"}}}}}
	ir.AssignNames(bad)
	for name, p := range map[string]*ir.Program{"nil": nil, "undeclared variant": bad} {
		_, err := Generate(p)
		if err == nil || !strings.HasPrefix(err.Error(), "ts: ") {
			t.Errorf("%s: err = %v, want the prefix ts:", name, err)
		}
	}
}
