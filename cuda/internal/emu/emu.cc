//go:build cgo && linux && !goformer_noemu

// emu.cc: a CPU emulator for goformer's CUDA kernels. Each GPU thread of
// a block is a fiber with its own stack; one OS thread runs them one at a
// time and switches only at barriers (__syncthreads, warp shuffles,
// __syncwarp), so the kernels' shared-memory and warp logic runs exactly
// as written, deterministically. The order in which threads run between
// barriers is shuffled with a fixed seed, so that a missing barrier shows
// up as a wrong result rather than hiding behind thread order.
//
// It also checks what the hardware leaves undefined: a barrier reached
// after some threads of the block returned, lanes of one warp waiting at
// different kinds of barrier, and writes past the end of an allocation.

#include "emu.h"
#include "emu_api.h"
#include "tables_gen.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#if !defined(__x86_64__) || defined(GF_EMU_FORCE_UCONTEXT)
#include <ucontext.h>
#define GF_EMU_UCONTEXT 1
#endif

gf_emu_dim3 gf_emu_tid, gf_emu_bid, gf_emu_bdim, gf_emu_gdim;

namespace {

enum State { RUNNABLE, AT_BLOCK, AT_WARP, DONE };

// Context switches. On amd64 a few instructions save the callee-saved
// registers and swap stacks (ucontext would make a system call per
// switch); elsewhere ucontext does it (build with CGO_CXXFLAGS=
// -DGF_EMU_FORCE_UCONTEXT to test that path on amd64).
#if !GF_EMU_UCONTEXT
extern "C" void gf_emu_swap(void **save_sp, void *next_sp);
#if defined(__x86_64__)
__asm__(".text\n"
        ".globl gf_emu_swap\n"
        ".type gf_emu_swap,@function\n"
        "gf_emu_swap:\n"
        "\tpushq %rbp\n\tpushq %rbx\n\tpushq %r12\n\tpushq %r13\n\tpushq %r14\n\tpushq %r15\n"
        "\tmovq %rsp, (%rdi)\n"
        "\tmovq %rsi, %rsp\n"
        "\tpopq %r15\n\tpopq %r14\n\tpopq %r13\n\tpopq %r12\n\tpopq %rbx\n\tpopq %rbp\n"
        "\tret\n"
        ".size gf_emu_swap, .-gf_emu_swap\n");
#endif
#endif

struct Fiber {
#if GF_EMU_UCONTEXT
	ucontext_t ctx;
#else
	void *sp;
#endif
	State state;
	gf_emu_dim3 tid;
	int shfl;          // 1 when waiting in a shuffle, 0 in __syncwarp
	unsigned long long value;  // the shuffled value
	int mask;                  // the shuffle's lane mask
	unsigned long long result; // the value it receives
};

const size_t kStack = 256 * 1024;
Fiber *fibers;
char *stacks;
int capacity;
Fiber *cur;
#if GF_EMU_UCONTEXT
ucontext_t sched;
#else
void *sched_sp;
#endif
const gf_emu_kernel *kernel;
void **params;
char error[512];
bool failed;
unsigned long long rng = 0x9E3779B97F4A7C15ull;

void fail(const char *msg) {
	if (!failed) {
		snprintf(error, sizeof error, "%s (block %u,%u,%u)", msg, gf_emu_bid.x, gf_emu_bid.y, gf_emu_bid.z);
		failed = true;
	}
}

void switch_to_scheduler() {
#if GF_EMU_UCONTEXT
	swapcontext(&cur->ctx, &sched);
#else
	gf_emu_swap(&cur->sp, sched_sp);
#endif
}

void switch_to(Fiber &f) {
#if GF_EMU_UCONTEXT
	swapcontext(&sched, &f.ctx);
#else
	gf_emu_swap(&sched_sp, f.sp);
#endif
}

void fiber_main(int i) {
	(void)i;
	kernel->call(params);
	cur->state = DONE;
#if !GF_EMU_UCONTEXT
	switch_to_scheduler(); // never resumed
	abort();
#endif
	// With ucontext, uc_link returns to the scheduler.
}

#if !GF_EMU_UCONTEXT
extern "C" void gf_emu_fiber_entry() { fiber_main(0); }

// fiber_init prepares a stack whose first switch "returns" into
// gf_emu_fiber_entry with the registers zeroed.
void fiber_init(Fiber &f, char *stack, size_t size) {
	uintptr_t top = ((uintptr_t)(stack + size)) & ~(uintptr_t)15;
	void **sp = (void **)top;
	*--sp = nullptr;                            // entry's return address slot (keeps alignment)
	*--sp = (void *)gf_emu_fiber_entry;          // popped by ret
	for (int i = 0; i < 6; i++) *--sp = nullptr; // rbp rbx r12 r13 r14 r15
	f.sp = sp;
}
#endif

void yield(State s) {
	cur->state = s;
	switch_to_scheduler();
}

bool ensure(int n) {
	if (n <= capacity) return true;
	if (stacks) munmap(stacks, kStack * (size_t)capacity);
	free(fibers);
	stacks = (char *)mmap(nullptr, kStack * (size_t)n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	fibers = (Fiber *)calloc((size_t)n, sizeof(Fiber));
	if (stacks == MAP_FAILED || !fibers) {
		stacks = nullptr;
		capacity = 0;
		return false;
	}
	capacity = n;
	return true;
}

unsigned next_rand() {
	rng = rng * 6364136223846793005ull + 1442695040888963407ull;
	return (unsigned)(rng >> 33);
}

// run_block runs every thread of the current block to completion.
void run_block(int n) {
	int *order = (int *)alloca(sizeof(int) * (size_t)n);
	for (int i = 0; i < n; i++) {
		Fiber &f = fibers[i];
#if GF_EMU_UCONTEXT
		getcontext(&f.ctx);
		f.ctx.uc_stack.ss_sp = stacks + kStack * (size_t)i;
		f.ctx.uc_stack.ss_size = kStack;
		f.ctx.uc_link = &sched;
		makecontext(&f.ctx, (void (*)())fiber_main, 1, i);
#else
		fiber_init(f, stacks + kStack * (size_t)i, kStack);
#endif
		f.state = RUNNABLE;
		f.tid.x = (unsigned)i % gf_emu_bdim.x;
		f.tid.y = ((unsigned)i / gf_emu_bdim.x) % gf_emu_bdim.y;
		f.tid.z = (unsigned)i / (gf_emu_bdim.x * gf_emu_bdim.y);
		order[i] = i;
	}
	for (;;) {
		// Shuffle the order in which runnable threads go.
		for (int i = n - 1; i > 0; i--) {
			int j = (int)(next_rand() % (unsigned)(i + 1));
			int t = order[i];
			order[i] = order[j];
			order[j] = t;
		}
		for (int k = 0; k < n; k++) {
			Fiber &f = fibers[order[k]];
			if (f.state != RUNNABLE) continue;
			cur = &f;
			gf_emu_tid = f.tid;
			switch_to(f);
			if (f.state == RUNNABLE) f.state = DONE; // returned through uc_link
		}
		if (failed) return;
		// Release warps whose live lanes all wait at a warp barrier.
		bool released = false, all_done = true, any_done = false;
		for (int w = 0; w * 32 < n; w++) {
			int lo = w * 32, hi = lo + 32 < n ? lo + 32 : n;
			int waiting = 0, done = 0, block = 0;
			for (int i = lo; i < hi; i++) {
				waiting += fibers[i].state == AT_WARP;
				done += fibers[i].state == DONE;
				block += fibers[i].state == AT_BLOCK;
			}
			if (waiting == 0) continue;
			if (done) {
				fail("warp shuffle or __syncwarp after a lane of the warp returned");
				return;
			}
			if (block) {
				fail("lanes of one warp wait at __syncthreads and at a warp barrier");
				return;
			}
			for (int i = lo; i < hi; i++) {
				Fiber &f = fibers[i];
				if (f.shfl) {
					int src = (i - lo) ^ f.mask;
					f.result = (lo + src < hi && fibers[lo + src].shfl) ? fibers[lo + src].value : f.value;
				}
				f.state = RUNNABLE;
			}
			released = true;
		}
		for (int i = 0; i < n; i++) {
			all_done = all_done && fibers[i].state == DONE;
			any_done = any_done || fibers[i].state == DONE;
		}
		if (all_done) return;
		if (released) continue;
		// Everyone left waits at __syncthreads.
		if (any_done) {
			fail("__syncthreads reached after some threads of the block returned");
			return;
		}
		for (int i = 0; i < n; i++) fibers[i].state = RUNNABLE;
	}
}

// Allocations carry a header and a guard zone checked on free.
struct Header {
	uint64_t magic;
	uint64_t size;
};
const uint64_t kMagic = 0x676f666f726d6572ull;
const size_t kGuard = 256;
const unsigned char kGuardByte = 0xA5;

} // namespace

extern "C" {

void gf_emu_syncthreads(void) { yield(AT_BLOCK); }

void gf_emu_syncwarp(void) {
	cur->shfl = 0;
	yield(AT_WARP);
}

unsigned long long gf_emu_shfl_xor(unsigned long long v, int lanemask) {
	Fiber *f = cur;
	f->shfl = 1;
	f->value = v;
	f->mask = lanemask & 31;
	yield(AT_WARP);
	f->shfl = 0;
	return f->result;
}

typedef const gf_emu_kernel *(*table_fn)(int *);
static const table_fn tables[] = {GF_EMU_TABLES};

static const gf_emu_kernel *kernel_at(int k) {
	for (size_t t = 0; t < sizeof tables / sizeof tables[0]; t++) {
		int n;
		const gf_emu_kernel *tab = tables[t](&n);
		if (k < n) return &tab[k];
		k -= n;
	}
	return nullptr;
}

int gf_emu_kernel_count(void) {
	int total = 0;
	for (size_t t = 0; t < sizeof tables / sizeof tables[0]; t++) {
		int n;
		tables[t](&n);
		total += n;
	}
	return total;
}

const char *gf_emu_kernel_name(int k) { return kernel_at(k)->name; }
int gf_emu_kernel_nparams(int k) { return kernel_at(k)->nparams; }
int gf_emu_kernel_param_size(int k, int i) { return kernel_at(k)->sizes[i]; }

int gf_emu_launch(int k, unsigned gx, unsigned gy, unsigned gz, unsigned bx, unsigned by, unsigned bz,
                  void *args, const int32_t *offs, const int32_t *sizes, int n, char *err, int errlen) {
	const gf_emu_kernel *kern = kernel_at(k);
	failed = false;
	error[0] = 0;
	unsigned long long threads = (unsigned long long)bx * by * bz;
	if (!kern) {
		snprintf(err, (size_t)errlen, "no kernel %d", k);
		return 1;
	}
	if (n != kern->nparams) {
		snprintf(err, (size_t)errlen, "%s takes %d parameters, launched with %d", kern->name, kern->nparams, n);
		return 1;
	}
	for (int i = 0; i < n; i++) {
		if (sizes[i] != kern->sizes[i]) {
			snprintf(err, (size_t)errlen, "%s parameter %d is %d bytes, launched with %d", kern->name, i, kern->sizes[i], (int)sizes[i]);
			return 1;
		}
	}
	if (threads == 0 || threads > 1024 || gx == 0 || gy == 0 || gz == 0 || gy > 65535 || gz > 65535) {
		snprintf(err, (size_t)errlen, "%s: invalid launch grid (%u,%u,%u) block (%u,%u,%u)", kern->name, gx, gy, gz, bx, by, bz);
		return 1;
	}
	if (!ensure((int)threads)) {
		snprintf(err, (size_t)errlen, "cannot allocate %llu fiber stacks", threads);
		return 1;
	}
	void *ptrs[64];
	for (int i = 0; i < n && i < 64; i++) ptrs[i] = (char *)args + offs[i];
	kernel = kern;
	params = ptrs;
	gf_emu_bdim = {bx, by, bz};
	gf_emu_gdim = {gx, gy, gz};
	for (unsigned z = 0; z < gz && !failed; z++)
		for (unsigned y = 0; y < gy && !failed; y++)
			for (unsigned x = 0; x < gx && !failed; x++) {
				gf_emu_bid = {x, y, z};
				run_block((int)threads);
			}
	if (failed) {
		snprintf(err, (size_t)errlen, "%s: %s", kern->name, error);
		return 1;
	}
	return 0;
}

uint64_t gf_emu_alloc(size_t n) {
	size_t body = (n + 255) & ~(size_t)255;
	char *p = nullptr;
	if (posix_memalign((void **)&p, 256, 256 + body + kGuard) != 0) return 0;
	Header *h = (Header *)p;
	h->magic = kMagic;
	h->size = body;
	memset(p + 256 + body, kGuardByte, kGuard);
	return (uint64_t)(uintptr_t)(p + 256);
}

int gf_emu_free(uint64_t ptr) {
	char *p = (char *)(uintptr_t)ptr - 256;
	Header *h = (Header *)p;
	if (h->magic != kMagic) return 1;
	int bad = 0;
	for (size_t i = 0; i < kGuard; i++) bad |= (unsigned char)p[256 + h->size + i] != kGuardByte;
	h->magic = 0;
	free(p);
	return bad ? 2 : 0;
}

void gf_emu_copy_htod(uint64_t dst, const void *src, size_t n) { memcpy((void *)(uintptr_t)dst, src, n); }
void gf_emu_copy_dtoh(void *dst, uint64_t src, size_t n) { memcpy(dst, (const void *)(uintptr_t)src, n); }
void gf_emu_copy_dtod(uint64_t dst, uint64_t src, size_t n) { memmove((void *)(uintptr_t)dst, (const void *)(uintptr_t)src, n); }
void gf_emu_memset32(uint64_t dst, uint32_t v, size_t n) {
	uint32_t *p = (uint32_t *)(uintptr_t)dst;
	for (size_t i = 0; i < n; i++) p[i] = v;
}
void *gf_emu_host_alloc(size_t n) { return malloc(n); }
void gf_emu_host_free(void *p) { free(p); }
const char *gf_emu_source_hash(void) { return GF_EMU_SOURCE_HASH; }

} // extern "C"
