//go:build !cgo || !linux

package cuda

import "fmt"

// NVRTCVersion reports that NVRTC cannot be used without cgo.
func NVRTCVersion() (major, minor int, err error) {
	return 0, 0, fmt.Errorf("%w: goformer was built without cgo", ErrNoNVRTC)
}

// CompileNVRTC reports that NVRTC cannot be used without cgo.
func CompileNVRTC(source, name string, headers map[string]string, options []string) ([]byte, error) {
	return nil, fmt.Errorf("%w: goformer was built without cgo", ErrNoNVRTC)
}
