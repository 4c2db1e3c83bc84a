//go:build long

package vec

// The long run checks exp on every float32 bit pattern.
func init() { sweepStep = 1 }
