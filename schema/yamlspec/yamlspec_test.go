package yamlspec

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// validCases are small valid documents with their expected rendering.
var validCases = []struct {
	name, in, want string
}{
	{
		name: "version only",
		in:   "version: 1\n",
		want: "spec jsgen.yaml origin=yaml\n",
	},
	{
		name: "package and empty sections",
		in:   "version: 1\npackage: chat\nmodels: ~\nmessages:\nunions: {}\nchannels: {}\nevents: {}\ncontrollers: {}\n",
		want: "spec jsgen.yaml origin=yaml package=chat@2:10\n",
	},
	{
		name: "entries without a body",
		in:   "version: 1\nmessages:\n  Empty:\n  Nothing: ~\n  Braces: {}\n  NoFields: {fields: }\n",
		want: `spec jsgen.yaml origin=yaml
message Empty@3:3 origin=yaml
message Nothing@4:3 origin=yaml
message Braces@5:3 origin=yaml
message NoFields@6:3 origin=yaml
`,
	},
	{
		name: "literals keep quoting",
		in: `version: 1
messages:
  M:
    fields:
      a: {type: int, default: "5", min: 1, max: '9'}
      b: {type: int, default: 5}
      c: {type: bool, optional: false, default: !!str true}
      d:
        type: string
        default: |
          two
          lines
`,
		want: `spec jsgen.yaml origin=yaml
message M@3:3 origin=yaml
  field a@5:7 type="int"@5:17 default="5"@5:31 min=1@5:41 max="9"@5:49
  field b@6:7 type="int"@6:17 default=5@6:31
  field c@7:7 type="bool"@7:17 optional=false@7:33 default="true"@7:49
  field d@8:7 type="string"@9:15 default="two\nlines\n"@10:18
`,
	},
	{
		name: "every field key, block style, fields in file order",
		in: `version: 1
models:
  Room:
    doc: "  A room.  "
    idMaxLength: 64
    fields:
      zeta: string
      kind:
        type: enum
        doc: >
          What it is.
        goName: Kind
        enumName: RoomKind
        optional: true
        default: public
        values: [public, "private"]
      name: {type: string, minLength: 1, maxLength: 100, pattern: '^[a-z]+$'}
      tags: {type: "[]string", minItems: 0, maxItems: 10}
      score: {type: float64, min: -1.5, max: 1e3}
      alpha: map[string]int
`,
		want: `spec jsgen.yaml origin=yaml
model Room@3:3 origin=yaml doc="A room." idMaxLength=64@5:18
  field zeta@7:7 type="string"@7:13
  field kind@8:7 type="enum"@9:15 goName=Kind@12:17 doc="What it is." enumName=RoomKind@13:19 optional=true@14:19 default=public@15:18 values=["public"@16:18,"private"@16:26]
  field name@17:7 type="string"@17:20 minLength=1@17:39 maxLength=100@17:53 pattern="^[a-z]+$"@17:67
  field tags@18:7 type="[]string"@18:20 minItems=0@18:42 maxItems=10@18:55
  field score@19:7 type="float64"@19:21 min=-1.5@19:35 max=1e3@19:46
  field alpha@20:7 type="map[string]int"@20:14
`,
	},
	{
		name: "identifier constraints and a composite channel key",
		in: `version: 1
models:
  Team: {idValues: [red, "blue"], fields: {}}
  Lobby:
    idMinLength: 3
    idMaxLength: 16
    idPattern: '^[a-z]+$'
  Empty: {idValues: []}
channels:
  T: {key: [Lobby, Team], message: M}
  S: {key: [Team], message: M}
`,
		want: `spec jsgen.yaml origin=yaml
model Team@3:3 origin=yaml idValues=["red"@3:21,"blue"@3:26]@3:20
model Lobby@4:3 origin=yaml idMaxLength=16@6:18 idMinLength=3@5:18 idPattern="^[a-z]+$"@7:16
model Empty@8:3 origin=yaml idValues=[]@8:21
channel T@10:3 key=[Lobby@10:13,Team@10:20] message=M@10:36
channel S@11:3 key=[Team@11:13] message=M@11:29
`,
	},
	{
		name: "unions, channels, events, controllers",
		in: `version: 1
unions:
  U:
    doc: A union.
    discriminator: kind
    default: a
    variants: {a: A, b: B}
  V: {variants: {x: X}}
channels:
  C: {doc: Chans., key: Room, message: U, prefix: "room:"}
events:
  E: {topics: {a.b: P, c: Q}}
controllers:
  Chat:
    doc: Chat routes.
    prefix: /chat
    routes:
      one: {path: /one, out: Single}
      two:
        path: /two/:a/:b
        params: {a: A, b: B}
        query: ~
        in:
        out: [X, Y]
      three: {path: /three}
`,
		want: `spec jsgen.yaml origin=yaml
union U@3:3 origin=yaml doc="A union." discriminator="kind"@5:20 default="a"@6:14
  variant "a"@7:16=A@7:19
  variant "b"@7:22=B@7:25
union V@8:3 origin=yaml
  variant "x"@8:18=X@8:21
channel C@10:3 doc="Chans." key=Room@10:25 message=U@10:40 prefix="room:"@10:51
events E@12:3
  topic "a.b"@12:16=P@12:21
  topic "c"@12:24=Q@12:27
controller Chat@14:3 doc="Chat routes." prefix="/chat"@16:13
  route one@18:7 path="/one"@18:19 out=[Single@18:30]
  route two@19:7 path="/two/:a/:b"@20:15 out=[X@24:15,Y@24:18]
    param a@21:18=A@21:21
    param b@21:24=B@21:27
  route three@25:7 path="/three"@25:21
`,
	},
	{
		name: "columns count bytes, after a byte order mark and multi-byte text",
		in:   "\ufeffmodels: {R: {}}\nversion: 1\nmessages:\n  Café: {doc: é, fields: {ñame: string, 日本: int}}\n",
		want: `spec jsgen.yaml origin=yaml
model R@1:13 origin=yaml
message Café@4:3 origin=yaml doc="é"
  field ñame@4:29 type="string"@4:36
  field 日本@4:44 type="int"@4:52
`,
	},
	{
		name: "CRLF and CR line breaks",
		in:   "version: 1\r\nmessages:\r\n  M:\r    fields: {a: string}\r\n",
		want: `spec jsgen.yaml origin=yaml
message M@3:3 origin=yaml
  field a@4:14 type="string"@4:17
`,
	},
	{
		name: "unused anchors and comments are fine",
		in:   "# app\nversion: 1 # the only version\nmessages:\n  M: &m # anchor, never aliased\n    fields: {a: string}\n",
		want: `spec jsgen.yaml origin=yaml
message M@4:3 origin=yaml
  field a@5:14 type="string"@5:17
`,
	},
	{
		name: "explicit document markers",
		in:   "---\nversion: 1\nmodels: {R: {}}\n...\n",
		want: "spec jsgen.yaml origin=yaml\nmodel R@3:10 origin=yaml\n",
	},
}

// TestParseValid checks small valid documents against their rendering
// (every value with its @line:col).
func TestParseValid(t *testing.T) {

	for _, tt := range validCases {
		t.Run(tt.name, func(t *testing.T) {
			spec, diags := Parse("jsgen.yaml", []byte(tt.in))
			if len(diags) > 0 {
				t.Fatalf("unexpected diagnostics:\n%s", diags)
			}
			if diff := cmp.Diff(tt.want, render(spec)); diff != "" {
				t.Errorf("Parse (-want +got):\n%s", diff)
			}
		})
	}
}
