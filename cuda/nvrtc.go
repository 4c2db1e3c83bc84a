package cuda

import (
	"embed"
	"fmt"
	"path"
	"strings"
)

// kernelSources holds the CUDA C sources, for compiling them at run time
// with NVRTC (the kernels' prelude.cuh has an NVRTC branch).
//
//go:embed kernels/*.cu kernels/*.cuh
var kernelSources embed.FS

// KernelSource returns the CUDA C source of one of goformer's kernel
// modules (a file of cuda/kernels without its .cu extension) and the
// headers it includes, as CompileNVRTC takes them.
func KernelSource(module string) (source string, headers map[string]string, err error) {
	b, err := kernelSources.ReadFile(path.Join("kernels", module+".cu"))
	if err != nil {
		return "", nil, fmt.Errorf("cuda: no kernel module %q", module)
	}
	headers = map[string]string{}
	entries, _ := kernelSources.ReadDir("kernels")
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".cuh") {
			h, _ := kernelSources.ReadFile(path.Join("kernels", e.Name()))
			headers[e.Name()] = string(h)
		}
	}
	return string(b), headers, nil
}

// compileModuleNVRTC compiles a kernel module for this GPU with NVRTC.
func (g *GPU) compileModuleNVRTC(module string) ([]byte, error) {
	src, headers, err := KernelSource(module)
	if err != nil {
		return nil, err
	}
	arch := fmt.Sprintf("--gpu-architecture=compute_%d%d", g.props.Major, g.props.Minor)
	return CompileNVRTC(src, module+".cu", headers, []string{arch, "-std=c++17"})
}
