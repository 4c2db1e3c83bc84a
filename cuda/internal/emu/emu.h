// emu.h: the hooks that prelude.cuh uses when the kernels are compiled as
// C++ for the CPU emulator, and the kernel table format.
#pragma once
#define GOFORMER_EMU 1

#include <stddef.h>
#include <stdint.h>
#include <utility>

struct gf_emu_dim3 {
	unsigned x, y, z;
};

extern "C" {
// The running GPU thread's indices; the scheduler sets them before it
// switches to a thread.
extern gf_emu_dim3 gf_emu_tid, gf_emu_bid, gf_emu_bdim, gf_emu_gdim;
void gf_emu_syncthreads(void);
void gf_emu_syncwarp(void);
unsigned long long gf_emu_shfl_xor(unsigned long long v, int lanemask);
}

static inline gf_emu_dim3 gf_emu_thread_idx() { return gf_emu_tid; }
static inline gf_emu_dim3 gf_emu_block_idx() { return gf_emu_bid; }
static inline gf_emu_dim3 gf_emu_block_dim() { return gf_emu_bdim; }
static inline gf_emu_dim3 gf_emu_grid_dim() { return gf_emu_gdim; }

// A kernel as the emulator knows it: its name, a trampoline that unpacks
// the parameter pointers (as cuLaunchKernel receives them) into a call,
// and the size of each parameter.
struct gf_emu_kernel {
	const char *name;
	void (*call)(void **params);
	int nparams;
	const int *sizes;
};

template <typename... A, size_t... I>
static void gf_emu_invoke_impl(void (*f)(A...), void **p, std::index_sequence<I...>) {
	f(*static_cast<A *>(p[I])...);
}
template <typename... A>
static void gf_emu_invoke(void (*f)(A...), void **p) {
	gf_emu_invoke_impl(f, p, std::index_sequence_for<A...>{});
}
template <typename... A>
static constexpr int gf_emu_nparams(void (*)(A...)) {
	return (int)sizeof...(A);
}
template <typename... A>
static const int *gf_emu_sizes(void (*)(A...)) {
	static const int s[] = {(int)sizeof(A)..., 0};
	return s;
}

#define GF_EMU_KERNEL(fn) \
	{ #fn, [](void **p) { gf_emu_invoke(fn, p); }, gf_emu_nparams(fn), gf_emu_sizes(fn) }
