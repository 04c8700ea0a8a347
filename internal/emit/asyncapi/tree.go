package asyncapi

// kind is the kind of a document node.
type kind uint8

const (
	mapNode kind = iota // keys in insertion order
	seqNode
	strNode // a string
	litNode // a JSON number, true, false or null, written as is
)

// node is a JSON-compatible value whose mappings keep their key order, so
// that the document is written in a fixed, readable order.
type node struct {
	kind  kind
	keys  []string
	vals  []*node // mapNode: the value of keys[i]; seqNode: the items
	value string  // strNode, litNode
}

func newMap() *node             { return &node{kind: mapNode} }
func str(s string) *node        { return &node{kind: strNode, value: s} }
func lit(s string) *node        { return &node{kind: litNode, value: s} }
func seq(items ...*node) *node  { return &node{kind: seqNode, vals: items} }
func ref(pointer string) *node  { return newMap().set("$ref", str(pointer)) }
func strs(ss ...string) []*node { return mapSlice(ss, str) }

func mapSlice(ss []string, f func(string) *node) []*node {
	out := make([]*node, len(ss))
	for i, s := range ss {
		out[i] = f(s)
	}
	return out
}

// set sets key to v (appending the key if it is new) and returns n.
func (n *node) set(key string, v *node) *node {
	for i, k := range n.keys {
		if k == key {
			n.vals[i] = v
			return n
		}
	}
	n.keys = append(n.keys, key)
	n.vals = append(n.vals, v)
	return n
}

// setStr sets key to the string s unless s is empty, and returns n.
func (n *node) setStr(key, s string) *node {
	if s == "" {
		return n
	}
	return n.set(key, str(s))
}

// get returns the value of key, or nil.
func (n *node) get(key string) *node {
	for i, k := range n.keys {
		if k == key {
			return n.vals[i]
		}
	}
	return nil
}

// remove deletes key and returns its value, or nil.
func (n *node) remove(key string) *node {
	for i, k := range n.keys {
		if k == key {
			v := n.vals[i]
			n.keys = append(n.keys[:i], n.keys[i+1:]...)
			n.vals = append(n.vals[:i], n.vals[i+1:]...)
			return v
		}
	}
	return nil
}

// clone returns a deep copy of n.
func (n *node) clone() *node {
	c := &node{kind: n.kind, value: n.value}
	if n.keys != nil {
		c.keys = append([]string(nil), n.keys...)
	}
	for _, v := range n.vals {
		c.vals = append(c.vals, v.clone())
	}
	return c
}

// equal reports whether n and m are the same value with the same key order.
func (n *node) equal(m *node) bool {
	if n.kind != m.kind || n.value != m.value || len(n.keys) != len(m.keys) || len(n.vals) != len(m.vals) {
		return false
	}
	for i := range n.keys {
		if n.keys[i] != m.keys[i] {
			return false
		}
	}
	for i := range n.vals {
		if !n.vals[i].equal(m.vals[i]) {
			return false
		}
	}
	return true
}

// walk calls f on n and every node below it, parents first.
func (n *node) walk(f func(*node)) {
	f(n)
	for _, v := range n.vals {
		v.walk(f)
	}
}
