//go:build !linux

package tensor

// machineMemory returns 0 (unknown) where the package does not read the
// machine's memory: the automatic cache bound then follows the live heap
// and GOMEMLIMIT only.
func machineMemory() int64 { return 0 }
