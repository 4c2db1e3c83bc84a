package cpu

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestChooseHonoursGOFORMERCPU(t *testing.T) {
	x86 := []Level{Generic, AVX2, AVX512}
	avx2Only := []Level{Generic, AVX2}
	arm := []Level{Generic, NEON}
	tests := []struct {
		name string
		env  string
		sup  []Level
		want Level
		note string
	}{
		{"an empty variable picks the best level", "", x86, AVX512, "best"},
		{"purego forces the Go code", "purego", x86, Generic, "asks"},
		{"avx2 forces AVX2 on an AVX-512 machine", "avx2", x86, AVX2, "asks"},
		{"names are case-insensitive", "AVX2", x86, AVX2, "asks"},
		{"avx512 on an AVX2-only machine falls back to avx2", "avx512", avx2Only, AVX2, "not supported"},
		{"avx2 on arm64 falls back to the Go code", "avx2", arm, Generic, "not supported"},
		{"neon on amd64 falls back to the Go code", "neon", x86, Generic, "not supported"},
		{"an unknown name keeps the best level", "sse9", x86, AVX512, "not a kernel level"},
		{"the Go code is always available", "purego", []Level{Generic}, Generic, "asks"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, note := choose(tt.env, tt.sup)
			if got != tt.want {
				t.Errorf("choose(%q) = %v, want %v", tt.env, got, tt.want)
			}
			if !strings.Contains(note, tt.note) {
				t.Errorf("note %q does not mention %q", note, tt.note)
			}
		})
	}
}

func TestActiveIsSupported(t *testing.T) {
	if !Supports(Active) {
		t.Fatalf("active level %v is not in the supported list %v", Active, Supported())
	}
	if Supported()[0] != Generic {
		t.Fatalf("supported levels %v do not start with the Go code", Supported())
	}
	if env := os.Getenv("GOFORMER_CPU"); env != "" {
		if want, err := ParseLevel(env); err == nil && Supports(want) && Active != want {
			t.Fatalf("GOFORMER_CPU=%s but Active = %v", env, Active)
		}
	}
}

func TestLevelNamesRoundTrip(t *testing.T) {
	for _, l := range []Level{Generic, AVX2, AVX512, NEON} {
		got, err := ParseLevel(l.String())
		if err != nil || got != l {
			t.Errorf("ParseLevel(%q) = %v, %v; want %v", l.String(), got, err, l)
		}
	}
	if _, err := ParseLevel("mmx"); err == nil {
		t.Error("ParseLevel accepted an unknown name")
	}
}

func TestReadCachesParsesSysfs(t *testing.T) {
	dir := t.TempDir()
	write := func(index, name, value string) {
		t.Helper()
		p := filepath.Join(dir, index)
		if err := os.MkdirAll(p, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(p, name), []byte(value+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range [][4]string{
		{"index0", "1", "Data", "48K"},
		{"index1", "1", "Instruction", "32K"},
		{"index2", "2", "Unified", "1024K"},
		{"index3", "3", "Unified", "32M"},
	} {
		write(f[0], "level", f[1])
		write(f[0], "type", f[2])
		write(f[0], "size", f[3])
		write(f[0], "coherency_line_size", "64")
	}
	got := readCaches(dir)
	want := CacheSizes{L1D: 48 << 10, L2: 1 << 20, L3: 32 << 20, LineSize: 64}
	if got != want {
		t.Fatalf("readCaches = %+v, want %+v", got, want)
	}
}

func TestReadCachesFallsBackOnMissingOrCorruptFiles(t *testing.T) {
	if got := readCaches(filepath.Join(t.TempDir(), "absent")); got != defaultCaches {
		t.Fatalf("missing directory: %+v, want the fallbacks %+v", got, defaultCaches)
	}
	dir := t.TempDir()
	p := filepath.Join(dir, "index0")
	if err := os.MkdirAll(p, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, v := range map[string]string{"level": "1", "type": "Data", "size": "lots"} {
		if err := os.WriteFile(filepath.Join(p, name), []byte(v), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if got := readCaches(dir); got != defaultCaches {
		t.Fatalf("corrupt size: %+v, want the fallbacks %+v", got, defaultCaches)
	}
}

func TestParseSize(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want int
		ok   bool
	}{
		{"48K", 48 << 10, true}, {"32M", 32 << 20, true}, {"1G", 1 << 30, true}, {"65536", 65536, true},
		{"", 0, false}, {"K", 0, false}, {"-4K", 0, false}, {"0", 0, false}, {"99999999999G", 0, false},
	} {
		got, ok := parseSize(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("parseSize(%q) = %d, %v; want %d, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func FuzzParseSize(f *testing.F) {
	for _, s := range []string{"48K", "1024K", "32M", "1G", "65536", "", "K", "-1K", "9999999999999999999", "0x10K", "1.5M"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, ok := parseSize(s)
		if ok && n <= 0 {
			t.Fatalf("parseSize(%q) = %d, true", s, n)
		}
		if !ok && n != 0 {
			t.Fatalf("parseSize(%q) = %d, false", s, n)
		}
	})
}

func FuzzParseLevel(f *testing.F) {
	for _, s := range []string{"avx2", "AVX512", " neon ", "purego", "", "avx-512", "sse"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		l, err := ParseLevel(s)
		if err != nil {
			return
		}
		if back, err := ParseLevel(l.String()); err != nil || back != l {
			t.Fatalf("ParseLevel(%q) = %v, which does not round-trip", s, l)
		}
		got, _ := choose(s, []Level{Generic, AVX2, AVX512})
		if !Supports(Generic) || got > AVX512 {
			t.Fatalf("choose(%q) = %v", s, got)
		}
	})
}
