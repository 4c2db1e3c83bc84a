// emu_api.h: the C interface of the emulator, for the Go side.
#pragma once
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif
int gf_emu_kernel_count(void);
const char *gf_emu_kernel_name(int k);
int gf_emu_kernel_nparams(int k);
int gf_emu_kernel_param_size(int k, int i);
int gf_emu_launch(int k, unsigned gx, unsigned gy, unsigned gz, unsigned bx, unsigned by, unsigned bz,
                  void *args, const int32_t *offs, const int32_t *sizes, int n, char *err, int errlen);
uint64_t gf_emu_alloc(size_t n);
int gf_emu_free(uint64_t p);
void gf_emu_copy_htod(uint64_t dst, const void *src, size_t n);
void gf_emu_copy_dtoh(void *dst, uint64_t src, size_t n);
void gf_emu_copy_dtod(uint64_t dst, uint64_t src, size_t n);
void gf_emu_memset32(uint64_t dst, uint32_t v, size_t n);
void *gf_emu_host_alloc(size_t n);
void gf_emu_host_free(void *p);
const char *gf_emu_source_hash(void);
#ifdef __cplusplus
}
#endif
