package serve_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/goformer/goformer/models/auto"
	"github.com/goformer/goformer/models/hub"
	"github.com/goformer/goformer/serve"
	"github.com/goformer/goformer/serve/client"
	"github.com/goformer/goformer/serve/servetest"

	_ "github.com/goformer/goformer/models/gpt"
	_ "github.com/goformer/goformer/models/llama"
)

// The models every test shares, written once by TestMain.
var (
	gpt2Dir, llamaDir, bertDir string
	gpt2                       *auto.CausalLM
	embedder                   *serve.Embedder
)

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	dir, err := os.MkdirTemp("", "serve-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	gpt2Dir, llamaDir, bertDir = filepath.Join(dir, "tiny-gpt2"), filepath.Join(dir, "tiny-llama"), filepath.Join(dir, "tiny-bert")
	if err := servetest.WriteGPT2(gpt2Dir, servetest.GPT2Options{}); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if err := servetest.WriteLlama(llamaDir, servetest.LlamaOptions{}); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if err := servetest.WriteBERT(bertDir, servetest.BERTOptions{}); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if gpt2, err = auto.LoadCausalLM(gpt2Dir, auto.Options{}); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if embedder, err = serve.LoadEmbedder(bertDir, hub.Options{Offline: true}); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return m.Run()
}

// testServer is a server on loopback with a client of it.
type testServer struct {
	*serve.Server
	http *httptest.Server
	c    *client.Client
	url  string
}

// start serves gpt2 (as "tiny-gpt2") and the embedder ("tiny-bert") with
// c's settings; the server closes when the test ends.
func start(t testing.TB, c serve.Config) *testServer {
	t.Helper()
	if c.Model == nil {
		c.Model = gpt2
	}
	if c.Embedder == nil {
		c.Embedder = embedder
	}
	s, err := serve.New(c)
	if err != nil {
		t.Fatal(err)
	}
	h := httptest.NewServer(s)
	ts := &testServer{Server: s, http: h, url: h.URL, c: client.New(h.URL, "")}
	ts.c.HTTP = h.Client()
	t.Cleanup(func() {
		h.Close()
		s.Close()
	})
	return ts
}

// post sends a raw body and returns the status and body.
func (ts *testServer) post(t testing.TB, path, contentType string, body io.Reader, header ...string) (int, string) {
	t.Helper()
	status, b, _ := ts.do(t, http.MethodPost, path, body, append([]string{"Content-Type", contentType}, header...)...)
	return status, b
}

// get returns the status, body and header of a GET.
func (ts *testServer) get(t testing.TB, path string, header ...string) (int, string, http.Header) {
	t.Helper()
	return ts.do(t, http.MethodGet, path, nil, header...)
}

// do sends a request with the header's name, value pairs set.
func (ts *testServer) do(t testing.TB, method, path string, body io.Reader, header ...string) (int, string, http.Header) {
	t.Helper()
	req, err := http.NewRequest(method, ts.url+path, body)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := ts.http.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), resp.Header
}

// idle waits until the server has no request, queued prompt or running
// sequence left and holds no KV cache, and fails the test if that takes
// more than a few seconds.
func (ts *testServer) idle(t testing.TB) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		st := ts.Stats()
		if st == (serve.Stats{}) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the server did not become idle: %+v", st)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// goroutines returns the number of goroutines once it stops falling
// (connections closing, handlers returning).
func goroutines() int {
	n := runtime.NumGoroutine()
	for range 200 {
		time.Sleep(10 * time.Millisecond)
		m := runtime.NumGoroutine()
		if m >= n {
			return m
		}
		n = m
	}
	return n
}

// noLeaks checks that the goroutine count comes back to before (allowing
// for idle connections closing).
func noLeaks(t testing.TB, before int, closeIdle func()) {
	t.Helper()
	closeIdle()
	deadline := time.Now().Add(5 * time.Second)
	for {
		closeIdle()
		now := runtime.NumGoroutine()
		if now <= before {
			return
		}
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<16)
			n := runtime.Stack(buf, true)
			t.Fatalf("goroutines: %d before, %d after\n%s", before, now, buf[:n])
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// metric returns the value of one sample of the /metrics text ("" when
// absent).
func metric(text, sample string) string {
	for _, line := range strings.Split(text, "\n") {
		if v, ok := strings.CutPrefix(line, sample+" "); ok {
			return v
		}
	}
	return ""
}

func ctx(t testing.TB) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return c
}
