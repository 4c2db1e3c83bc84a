package hub_test

import (
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/goformer/goformer/models/hub"
	"github.com/goformer/goformer/tensor"
)

// fakeHub serves a repository the way huggingface.co does: the file list
// at /api/models/REPO/revision/REV, small files at /REPO/resolve/REV/FILE
// with an ETag, large (LFS) files by a redirect carrying X-Linked-Etag
// (their SHA-256) and X-Linked-Size to a CDN that honours Range requests.
type fakeHub struct {
	repo, commit string
	files        map[string][]byte
	lfs          map[string]bool
	token        string // required when set
	cutAfter     int    // when positive, the next CDN answer stops after this many bytes
	corrupt      bool   // the CDN serves other bytes than the hash says

	mu  sync.Mutex
	log []string
}

func (h *fakeHub) record(r *http.Request) {
	h.mu.Lock()
	defer h.mu.Unlock()
	e := r.Method + " " + r.URL.Path
	if rg := r.Header.Get("Range"); rg != "" {
		e += " " + rg
	}
	h.log = append(h.log, e)
}

func (h *fakeHub) requests() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), h.log...)
}

func sha(b []byte) string { s := sha256.Sum256(b); return hex.EncodeToString(s[:]) }

func (h *fakeHub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.record(r)
	if h.token != "" && r.Header.Get("Authorization") != "Bearer "+h.token && !strings.HasPrefix(r.URL.Path, "/cdn/") {
		w.Header().Set("X-Error-Code", "GatedRepo")
		http.Error(w, "unauthorized", http.StatusUnauthorized)
		return
	}
	p := r.URL.Path
	switch {
	case strings.HasPrefix(p, "/api/models/"+h.repo+"/revision/"):
		rev := strings.TrimPrefix(p, "/api/models/"+h.repo+"/revision/")
		if rev != "main" && rev != h.commit {
			w.Header().Set("X-Error-Message", "Invalid rev id: "+rev)
			http.Error(w, "not found", http.StatusNotFound)
			return
		}
		var sib []map[string]string
		for n := range h.files {
			sib = append(sib, map[string]string{"rfilename": n})
		}
		json.NewEncoder(w).Encode(map[string]any{"id": h.repo, "sha": h.commit, "siblings": sib})
	case strings.HasPrefix(p, "/"+h.repo+"/resolve/"):
		rest := strings.TrimPrefix(p, "/"+h.repo+"/resolve/")
		rev, name, _ := strings.Cut(rest, "/")
		b, ok := h.files[name]
		if !ok || (rev != "main" && rev != h.commit) {
			w.Header().Set("X-Error-Code", "EntryNotFound")
			http.Error(w, "not found", http.StatusNotFound)
			return
		}
		w.Header().Set("X-Repo-Commit", h.commit)
		if h.lfs[name] {
			w.Header().Set("X-Linked-Etag", `"`+sha(b)+`"`)
			w.Header().Set("X-Linked-Size", strconv.Itoa(len(b)))
			http.Redirect(w, r, "/cdn/"+sha(b), http.StatusFound)
			return
		}
		s := sha1.Sum(b)
		w.Header().Set("ETag", `"`+hex.EncodeToString(s[:])+`"`)
		w.Header().Set("Content-Length", strconv.Itoa(len(b)))
		if r.Method == http.MethodGet {
			w.Write(b)
		}
	case strings.HasPrefix(p, "/cdn/"):
		var b []byte
		for n, c := range h.files {
			if h.lfs[n] && sha(c) == strings.TrimPrefix(p, "/cdn/") {
				b = c
			}
		}
		if b == nil {
			http.NotFound(w, r)
			return
		}
		if h.corrupt {
			b = append([]byte(nil), b...)
			b[len(b)-1] ^= 1
		}
		start := 0
		if rg := r.Header.Get("Range"); rg != "" {
			start, _ = strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(rg, "bytes="), "-"))
			w.Header().Set("Content-Range", fmt.Sprintf("bytes %d-%d/%d", start, len(b)-1, len(b)))
			w.Header().Set("Content-Length", strconv.Itoa(len(b)-start))
			w.WriteHeader(http.StatusPartialContent)
		} else {
			w.Header().Set("Content-Length", strconv.Itoa(len(b)))
		}
		h.mu.Lock()
		cut := h.cutAfter
		h.cutAfter = 0
		h.mu.Unlock()
		if cut > 0 {
			w.Write(b[start : start+cut])
			w.(http.Flusher).Flush()
			panic(http.ErrAbortHandler) // the connection drops mid-file
		}
		w.Write(b[start:])
	default:
		http.NotFound(w, r)
	}
}

// newFakeHub serves the toy model saved with a vocab.txt.
func newFakeHub(t *testing.T) (*fakeHub, *lm) {
	t.Helper()
	src := newLM(toy, tensor.NewGenerator(9))
	dir := save(t, src, hub.SaveOptions{})
	os.WriteFile(filepath.Join(dir, "vocab.txt"), []byte("[PAD]\n[UNK]\n[CLS]\n[SEP]\nhello\nworld\n"), 0o644)
	h := &fakeHub{repo: "org/tiny", commit: strings.Repeat("ab12", 10), files: map[string][]byte{}, lfs: map[string]bool{hub.WeightsFile: true}}
	for _, n := range []string{hub.ConfigFile, hub.WeightsFile, "vocab.txt"} {
		b, err := os.ReadFile(filepath.Join(dir, n))
		if err != nil {
			t.Fatal(err)
		}
		h.files[n] = b
	}
	h.files["README.md"] = []byte("# tiny") // not a model file: not fetched
	return h, src
}

func serve(t *testing.T, h http.Handler) *httptest.Server {
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

func count(log []string, prefix string) int {
	n := 0
	for _, e := range log {
		if strings.HasPrefix(e, prefix) {
			n++
		}
	}
	return n
}

func TestDownloadFillsTheCacheAsHuggingFaceHubDoes(t *testing.T) {
	h, src := newFakeHub(t)
	srv := serve(t, h)
	cache := t.TempDir()
	o := hub.Options{CacheDir: cache, Endpoint: srv.URL}
	path, err := hub.Resolve("org/tiny", o)
	if err != nil {
		t.Fatal(err)
	}
	folder := filepath.Join(cache, "models--org--tiny")
	if want := filepath.Join(folder, "snapshots", h.commit); path != want {
		t.Fatalf("snapshot %s, want %s", path, want)
	}
	if ref, _ := os.ReadFile(filepath.Join(folder, "refs", "main")); string(ref) != h.commit {
		t.Fatalf("refs/main holds %q", ref)
	}
	target, err := os.Readlink(filepath.Join(path, hub.WeightsFile))
	if err != nil || target != filepath.Join("..", "..", "blobs", sha(h.files[hub.WeightsFile])) {
		t.Fatalf("snapshot entry links to %q (%v)", target, err)
	}
	if _, err := os.Stat(filepath.Join(path, "README.md")); err == nil {
		t.Fatal("README.md downloaded")
	}
	blobs, _ := os.ReadDir(filepath.Join(folder, "blobs"))
	if len(blobs) != 3 {
		t.Fatalf("%d blobs, want 3 (config, weights, vocab; no leftovers)", len(blobs))
	}

	d, err := hub.Open("org/tiny", o)
	if err != nil {
		t.Fatal(err)
	}
	dst := newLM(toy, nil)
	if _, err := d.Load(dst, toyLayout, hub.LoadOptions{}); err != nil {
		t.Fatal(err)
	}
	sameTensors(t, dst, src)
	if tok, err := d.Tokenizer(); err != nil || tok.VocabSize() != 6 {
		t.Fatalf("tokenizer: %v", err)
	}
	// A cached model costs one request for the revision's commit.
	if log := h.requests(); count(log, "GET /api/") != 2 || count(log, "HEAD") != 3 || count(log, "GET /cdn/") != 1 {
		t.Fatalf("requests %v", log)
	}

	srv.Close() // no network: the cache serves
	for _, offline := range []bool{true, false} {
		o.Offline = offline
		if p, err := hub.Resolve("org/tiny", o); err != nil || p != path {
			t.Fatalf("offline=%v: %s, %v", offline, p, err)
		}
	}
	t.Setenv("HF_HUB_OFFLINE", "1")
	if _, err := hub.Resolve("org/other", hub.Options{CacheDir: cache, Endpoint: srv.URL}); !errors.Is(err, hub.ErrNotFound) || !strings.Contains(err.Error(), "not in the cache") {
		t.Fatalf("an uncached model offline: %v", err)
	}
}

func TestAnInterruptedDownloadResumes(t *testing.T) {
	h, src := newFakeHub(t)
	h.cutAfter = 100
	srv := serve(t, h)
	cache := t.TempDir()
	o := hub.Options{CacheDir: cache, Endpoint: srv.URL}
	if p, err := hub.Resolve("org/tiny", o); err == nil {
		t.Fatalf("a dropped connection went unnoticed: %s %v", p, h.requests())
	}
	inc := filepath.Join(cache, "models--org--tiny", "blobs", sha(h.files[hub.WeightsFile])+".incomplete")
	if st, err := os.Stat(inc); err != nil || st.Size() != 100 {
		t.Fatalf("partial file: %v", err)
	}
	var seen []int64
	o.Progress = func(name string, done, total int64) {
		if name == hub.WeightsFile {
			seen = append(seen, done)
		}
	}
	path, err := hub.Resolve("org/tiny", o)
	if err != nil {
		t.Fatal(err)
	}
	if count(h.requests(), "GET /cdn/"+sha(h.files[hub.WeightsFile])+" bytes=100-") != 1 {
		t.Fatalf("no range request in %v", h.requests())
	}
	if len(seen) == 0 || seen[len(seen)-1] != int64(len(h.files[hub.WeightsFile])) {
		t.Fatalf("progress %v", seen)
	}
	d, _ := hub.OpenDir(path)
	dst := newLM(toy, nil)
	if _, err := d.Load(dst, toyLayout, hub.LoadOptions{}); err != nil {
		t.Fatal(err)
	}
	sameTensors(t, dst, src)
}

func TestACorruptDownloadIsRefused(t *testing.T) {
	h, _ := newFakeHub(t)
	h.corrupt = true
	srv := serve(t, h)
	cache := t.TempDir()
	_, err := hub.Resolve("org/tiny", hub.Options{CacheDir: cache, Endpoint: srv.URL})
	if err == nil || !strings.Contains(err.Error(), "SHA-256") {
		t.Fatalf("error %v", err)
	}
	if _, err := os.Stat(filepath.Join(cache, "models--org--tiny", "blobs", sha(h.files[hub.WeightsFile]))); err == nil {
		t.Fatal("a corrupt blob was kept")
	}
}

func TestPrivateModelsNeedAToken(t *testing.T) {
	h, _ := newFakeHub(t)
	h.token = "hf_secret"
	srv := serve(t, h)
	t.Setenv("HF_HOME", t.TempDir()) // no token file
	t.Setenv("HF_TOKEN", "")
	o := hub.Options{CacheDir: t.TempDir(), Endpoint: srv.URL}
	if _, err := hub.Resolve("org/tiny", o); !errors.Is(err, hub.ErrAccess) || !strings.Contains(err.Error(), "HF_TOKEN") {
		t.Fatalf("error %v, want ErrAccess", err)
	}
	t.Setenv("HF_TOKEN", "hf_secret")
	if _, err := hub.Resolve("org/tiny", o); err != nil {
		t.Fatal(err)
	}
	// The token file of huggingface-cli login works too.
	t.Setenv("HF_TOKEN", "")
	os.WriteFile(filepath.Join(os.Getenv("HF_HOME"), "token"), []byte("hf_secret\n"), 0o600)
	if _, err := hub.Resolve("org/tiny", hub.Options{CacheDir: t.TempDir(), Endpoint: srv.URL}); err != nil {
		t.Fatal(err)
	}
}

func TestRevisionsAndUnknownRepositories(t *testing.T) {
	h, _ := newFakeHub(t)
	srv := serve(t, h)
	cache := t.TempDir()
	path, err := hub.Resolve("org/tiny", hub.Options{CacheDir: cache, Endpoint: srv.URL, Revision: h.commit})
	if err != nil || filepath.Base(path) != h.commit {
		t.Fatalf("by commit: %s, %v", path, err)
	}
	if _, err := os.Stat(filepath.Join(cache, "models--org--tiny", "refs", "main")); err == nil {
		t.Fatal("a commit revision wrote refs/main")
	}
	// Offline, a commit resolves without refs.
	if p, err := hub.Resolve("org/tiny", hub.Options{CacheDir: cache, Offline: true, Revision: h.commit}); err != nil || p != path {
		t.Fatalf("offline by commit: %s, %v", p, err)
	}
	for _, tc := range []struct{ repo, rev string }{{"org/none", ""}, {"org/tiny", "v9"}, {"../etc", ""}, {"a/b/c", ""}, {"org/tiny", "../../x"}} {
		_, err := hub.Resolve(tc.repo, hub.Options{CacheDir: cache, Endpoint: srv.URL, Revision: tc.rev})
		if !errors.Is(err, hub.ErrNotFound) {
			t.Errorf("%s@%s: error %v, want ErrNotFound", tc.repo, tc.rev, err)
		}
	}
	if _, err := hub.Open("no such dir/and more", hub.Options{}); !errors.Is(err, hub.ErrNotFound) {
		t.Errorf("a bad path: %v", err)
	}
}

func TestCacheDirFollowsTheEnvironment(t *testing.T) {
	t.Setenv("HF_HUB_CACHE", "")
	t.Setenv("HUGGINGFACE_HUB_CACHE", "")
	t.Setenv("HF_HOME", "/h")
	if got := hub.CacheDir(); got != filepath.Join("/h", "hub") {
		t.Fatalf("HF_HOME: %s", got)
	}
	t.Setenv("HF_HUB_CACHE", "/c")
	if got := hub.CacheDir(); got != "/c" {
		t.Fatalf("HF_HUB_CACHE: %s", got)
	}
	t.Setenv("HF_HUB_CACHE", "")
	t.Setenv("HF_HOME", "")
	t.Setenv("XDG_CACHE_HOME", "/x")
	if got := hub.CacheDir(); got != filepath.Join("/x", "huggingface", "hub") {
		t.Fatalf("XDG_CACHE_HOME: %s", got)
	}
}
