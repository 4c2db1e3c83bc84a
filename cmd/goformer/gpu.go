package main

import (
	"fmt"
	"io"

	"github.com/goformer/goformer/cuda"
)

func init() {
	register(command{
		name:    "gpu",
		summary: "list the NVIDIA GPUs goformer can use, or say why none",
		run:     runGPU,
	})
}

// runGPU prints each CUDA device with its properties and free memory;
// with -kernels it also compiles every kernel for the first device and
// lists registers and spills.
func runGPU(args []string, _ io.Reader, stdout, stderr io.Writer) error {
	fs := newFlagSet("gpu", stderr)
	kernels := fs.Bool("kernels", false, "compile every kernel for GPU 0 and list registers and spills")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageErrorf("unexpected arguments %q", fs.Args())
	}
	n, err := cuda.DeviceCount()
	if err != nil || n == 0 {
		if err == nil {
			err = fmt.Errorf("the driver reports no device")
		}
		fmt.Fprintf(stdout, "no GPU: %v\n", err)
		return nil
	}
	v, _ := cuda.DriverVersion()
	fmt.Fprintf(stdout, "driver: CUDA %d.%d\n", v/1000, v%1000/10)
	for i := range n {
		p, err := cuda.DeviceProperties(i)
		if err != nil {
			return err
		}
		fmt.Fprintln(stdout, p)
	}
	if !*kernels {
		return nil
	}
	g, err := cuda.Open(0)
	if err != nil {
		return err
	}
	infos, err := g.Kernels()
	for _, k := range infos {
		fmt.Fprintf(stdout, "%-28s %-6s regs %3d spill %4d B shared %6d B\n", k.Name, k.Arch, k.Registers, k.LocalBytes, k.SharedBytes)
	}
	return err
}
