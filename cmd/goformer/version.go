package main

import (
	"fmt"
	"io"
	"runtime"
	"runtime/debug"

	"github.com/goformer/goformer/tensor"
)

func init() {
	register(command{
		name:    "version",
		summary: "print goformer's version, the Go version and the CPU kernels in use",
		run:     runVersion,
	})
}

func runVersion(args []string, _ io.Reader, stdout, stderr io.Writer) error {
	fs := newFlagSet("version", stderr)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageErrorf("unexpected arguments %q", fs.Args())
	}
	info, _ := debug.ReadBuildInfo()
	writeVersion(stdout, info)
	return nil
}

// writeVersion prints the module version (with the VCS revision when the
// binary was built from a checkout), the Go toolchain and platform, and
// the CPU kernel level. info may be nil (a binary built without module
// support).
func writeVersion(w io.Writer, info *debug.BuildInfo) {
	version, path := "(unknown)", "github.com/goformer/goformer"
	var rev, when, dirty string
	if info != nil {
		if info.Main.Path != "" {
			path = info.Main.Path
		}
		if info.Main.Version != "" {
			version = info.Main.Version
		}
		for _, s := range info.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.time":
				when = s.Value
			case "vcs.modified":
				if s.Value == "true" {
					dirty = ", modified"
				}
			}
		}
	}
	fmt.Fprintf(w, "goformer %s (%s)\n", version, path)
	if rev != "" {
		fmt.Fprintf(w, "commit   %s %s%s\n", rev, when, dirty)
	}
	fmt.Fprintf(w, "go       %s %s/%s\n", runtime.Version(), runtime.GOOS, runtime.GOARCH)
	level, note := tensor.CPUKernels()
	fmt.Fprintf(w, "cpu      %s (%s)\n", level, note)
}
