package cpu

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// CacheSizes holds the data-cache capacities, in bytes, seen by one core:
// L1D and L2 are private to the core on the machines goformer targets, L3
// is shared. LineSize is the cache-line length.
type CacheSizes struct {
	L1D, L2, L3 int
	LineSize    int
}

// Fallbacks used when the operating system does not report a level: small
// enough to be safe on any current x86-64 or arm64 server or laptop core.
var defaultCaches = CacheSizes{L1D: 32 << 10, L2: 512 << 10, L3: 8 << 20, LineSize: 64}

var caches = readCaches("/sys/devices/system/cpu/cpu0/cache")

// Caches reports the cache sizes read at start-up from
// /sys/devices/system/cpu/cpu0/cache (Linux), with conservative fallbacks
// for any level the system does not report.
func Caches() CacheSizes { return caches }

// readCaches parses the Linux sysfs cache description under dir; levels it
// cannot read keep their fallback values.
func readCaches(dir string) CacheSizes {
	c := defaultCaches
	entries, err := os.ReadDir(dir)
	if err != nil {
		return c
	}
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), "index") {
			continue
		}
		p := filepath.Join(dir, e.Name())
		typ := readString(filepath.Join(p, "type"))
		if typ != "Data" && typ != "Unified" {
			continue
		}
		level, err := strconv.Atoi(readString(filepath.Join(p, "level")))
		if err != nil {
			continue
		}
		size, ok := parseSize(readString(filepath.Join(p, "size")))
		if !ok {
			continue
		}
		switch level {
		case 1:
			c.L1D = size
		case 2:
			c.L2 = size
		case 3:
			c.L3 = size
		}
		if line, err := strconv.Atoi(readString(filepath.Join(p, "coherency_line_size"))); err == nil && line > 0 {
			c.LineSize = line
		}
	}
	return c
}

func readString(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}

// parseSize reads sysfs sizes such as "48K", "1024K", "32M" or "65536".
func parseSize(s string) (int, bool) {
	mult := 1
	switch {
	case strings.HasSuffix(s, "K"):
		mult, s = 1<<10, strings.TrimSuffix(s, "K")
	case strings.HasSuffix(s, "M"):
		mult, s = 1<<20, strings.TrimSuffix(s, "M")
	case strings.HasSuffix(s, "G"):
		mult, s = 1<<30, strings.TrimSuffix(s, "G")
	}
	n, err := strconv.Atoi(s)
	if err != nil || n <= 0 || n > (1<<40)/mult {
		return 0, false
	}
	return n * mult, true
}
