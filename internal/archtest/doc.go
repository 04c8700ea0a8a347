// Package archtest holds no code, only tests of the generator's package
// boundaries: the public declaration model (schema/...) stands on its own,
// and the emitters (internal/emit/...) are siblings that never depend on
// each other.
package archtest
