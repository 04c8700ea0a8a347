package codecbench

import (
	"encoding/json"
	"regexp"

	"github.com/go-playground/validator/v10"

	jsgenrt "github.com/jsgen-dev/jsgen/runtime"
)

// newValidator returns a validator with the custom checks the mirrors need:
// the patterns of the message set (validator/v10 has no regexp tag) and
// Ref identifiers (jsgenrt.CheckIdentifier, as the generated Ref
// constructors use).
func newValidator() *validator.Validate {
	v := validator.New(validator.WithRequiredStructEnabled())
	patterns := map[string]*regexp.Regexp{
		"idpat":    regexp.MustCompile(`^[A-Za-z0-9_-]+$`),
		"tagpat":   regexp.MustCompile(`^[a-z0-9-]+$`),
		"httpsurl": regexp.MustCompile(`^https://`),
		"anyurl":   regexp.MustCompile(`^https?://`),
		"mimepat":  regexp.MustCompile(`^[a-z]+/[a-z0-9.+-]+$`),
	}
	for tag, re := range patterns {
		if err := v.RegisterValidation(tag, func(fl validator.FieldLevel) bool { return re.MatchString(fl.Field().String()) }); err != nil {
			panic(err)
		}
	}
	if err := v.RegisterValidation("ident", func(fl validator.FieldLevel) bool {
		return jsgenrt.CheckIdentifier(fl.Field().String(), 255) == nil
	}); err != nil {
		panic(err)
	}
	return v
}

// The benchmark mirror: the Post message as a hand-written encoding/json +
// validator application would declare it (value types, timestamps as Unix
// milliseconds, refs as strings, the embed union as raw JSON decoded in a
// second step).

type vPost struct {
	ID          string            `json:"id" validate:"min=1,max=64,idpat"`
	Room        string            `json:"room" validate:"max=64,ident"`
	Author      string            `json:"author" validate:"max=255,ident"`
	Kind        string            `json:"kind" validate:"oneof=text image system"`
	Content     string            `json:"content" validate:"min=1,max=4000"`
	Mentions    []string          `json:"mentions,omitempty" validate:"omitempty,max=20,dive,max=255,ident"`
	Tags        []string          `json:"tags,omitempty" validate:"omitempty,max=10,dive,max=32,tagpat"`
	Attachments []vAttachment     `json:"attachments,omitempty" validate:"omitempty,max=5,dive"`
	Reactions   map[string]int    `json:"reactions,omitempty" validate:"omitempty,dive,min=0"`
	Priority    int               `json:"priority" validate:"min=0,max=10"`
	Score       *float64          `json:"score,omitempty" validate:"omitempty,min=0,max=1"`
	SentAt      int64             `json:"sentAt"`
	Sequence    int64             `json:"sequence" validate:"min=0"`
	Silent      bool              `json:"silent"`
	ReplyTo     *vQuote           `json:"replyTo,omitempty"`
	Meta        map[string]string `json:"meta,omitempty" validate:"omitempty,dive,max=256"`
	Ranks       [][]int           `json:"ranks,omitempty" validate:"omitempty,max=3,dive,dive,min=0,max=100"`
	Embed       json.RawMessage   `json:"embed,omitempty"`
}

type vAttachment struct {
	URL    string `json:"url" validate:"max=2048,httpsurl"`
	Mime   string `json:"mime" validate:"mimepat"`
	Size   int64  `json:"size" validate:"min=0,max=10485760"`
	Width  *int   `json:"width,omitempty" validate:"omitempty,min=1,max=10000"`
	Height *int   `json:"height,omitempty" validate:"omitempty,min=1,max=10000"`
}

type vQuote struct {
	MessageID string  `json:"messageId" validate:"min=1,max=64"`
	Excerpt   *string `json:"excerpt,omitempty" validate:"omitempty,max=280"`
}

type vEmbedKind struct {
	Kind string `json:"kind"`
}

type vLinkEmbed struct {
	Kind  string  `json:"kind"`
	URL   string  `json:"url" validate:"max=2048,anyurl"`
	Title *string `json:"title,omitempty" validate:"omitempty,max=200"`
}

type vPollEmbed struct {
	Kind     string   `json:"kind"`
	Question string   `json:"question" validate:"min=1,max=300"`
	Options  []string `json:"options" validate:"required,min=2,max=10,dive,min=1,max=100"`
	ClosesAt *int64   `json:"closesAt,omitempty"`
}
