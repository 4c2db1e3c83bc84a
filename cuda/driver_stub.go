//go:build !cgo || !linux

package cuda

import "fmt"

// Without cgo (or off Linux) the driver cannot be opened: every entry
// point reports ErrUnavailable with the reason.

func loadDriver() error {
	return fmt.Errorf("%w: goformer was built without cgo (CGO_ENABLED=0) or not for linux", ErrUnavailable)
}

func driverVersion() (int, error) { return 0, loadDriver() }

func driverDeviceCount() (int, error) { return 0, loadDriver() }

func driverProperties(int) (Properties, error) { return Properties{}, loadDriver() }

func openDriverEngine(int) (engine, error) { return nil, loadDriver() }
