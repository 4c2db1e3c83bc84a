//go:build !unix

package safetensors

// mapFile reads the whole file: memory mapping is only used on Unix.
func mapFile(path string) ([]byte, func() error, error) { return readWhole(path) }
