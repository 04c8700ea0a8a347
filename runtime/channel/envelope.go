package channel

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// The Bridge's wire envelope:
//
//	version byte (envelopeVersion)
//	origin  uvarint length + bytes   (publishing node ID, non-empty)
//	key     uvarint length + bytes   (un-prefixed key, non-empty)
//	except  uvarint length + bytes   (PublishOptions.Except)
//	id      uvarint length + bytes   (PublishOptions.ID)
//	payload the remaining bytes      (the message's shared encoding)
//
// The payload is last so that decoding never copies it.
const (
	envelopeVersion = 1
	maxEnvelopeText = 4096 // bound on each text field
)

type envelope struct {
	origin, key, except, id string
}

var errEnvelope = errors.New("channel: malformed bridge envelope")

// appendEnvelope appends the envelope of e and payload to b.
func appendEnvelope(b []byte, e envelope, payload []byte) []byte {
	b = append(b, envelopeVersion)
	for _, s := range [...]string{e.origin, e.key, e.except, e.id} {
		b = binary.AppendUvarint(b, uint64(len(s)))
		b = append(b, s...)
	}
	return append(b, payload...)
}

// decodeEnvelope parses data; the returned payload aliases data.
func decodeEnvelope(data []byte) (envelope, []byte, error) {
	var e envelope
	if len(data) == 0 || data[0] != envelopeVersion {
		return e, nil, fmt.Errorf("%w: unknown version", errEnvelope)
	}
	rest := data[1:]
	fields := [...]*string{&e.origin, &e.key, &e.except, &e.id}
	names := [...]string{"origin", "key", "except", "id"}
	for i, f := range fields {
		n, size := binary.Uvarint(rest)
		if size <= 0 {
			return e, nil, fmt.Errorf("%w: bad %s length", errEnvelope, names[i])
		}
		rest = rest[size:]
		if n > maxEnvelopeText || n > uint64(len(rest)) {
			return e, nil, fmt.Errorf("%w: %s length %d out of range", errEnvelope, names[i], n)
		}
		*f = string(rest[:n])
		rest = rest[n:]
	}
	if e.origin == "" || e.key == "" {
		return e, nil, fmt.Errorf("%w: empty origin or key", errEnvelope)
	}
	return e, rest, nil
}
