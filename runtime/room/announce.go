package room

import "github.com/jsgen-dev/jsgen/runtime/channel"

// Announce publishes, on ch, a message for each member transition caused
// by this node's own connections: frame builds the message (for example a
// {"type":"join","username":...} frame) or returns false to skip the
// change. Transitions replicated from other nodes are not announced here
// (their node announced them, and a bus-bridged channel carries that
// message everywhere), so each is published once. Messages are published
// in the order of the transitions. remove stops announcing.
func Announce[R, U, M any](m *Members[R, U], ch *channel.Channels[R, M], frame func(MemberChange[R, U]) (M, bool)) (remove func()) {
	return m.OnChange(func(c MemberChange[R, U]) {
		if !c.Local {
			return
		}
		if msg, ok := frame(c); ok {
			ch.Publish(c.Room, msg)
		}
	})
}
