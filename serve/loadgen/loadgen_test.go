package loadgen_test

import (
	"context"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/goformer/goformer/models/auto"
	"github.com/goformer/goformer/serve"
	"github.com/goformer/goformer/serve/loadgen"
	"github.com/goformer/goformer/serve/servetest"

	_ "github.com/goformer/goformer/models/gpt"
)

func TestLoadOnLoopbackHasNoErrorsAndCatchesMismatches(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "m")
	if err := servetest.WriteGPT2(dir, servetest.GPT2Options{}); err != nil {
		t.Fatal(err)
	}
	lm, err := auto.LoadCausalLM(dir, auto.Options{})
	if err != nil {
		t.Fatal(err)
	}
	s, err := serve.New(serve.Config{Model: lm, ModelName: "m", MaxBatch: 4})
	if err != nil {
		t.Fatal(err)
	}
	h := httptest.NewServer(s)
	defer func() { h.Close(); s.Close() }()
	cfg := loadgen.Config{URL: h.URL, Model: "m", Clients: 6, Duration: 300 * time.Millisecond, Requests: loadgen.Mix(8, 12), HTTP: h.Client()}
	rep, err := loadgen.Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Requests < 6 || rep.Errors != 0 || rep.Mismatches != 0 || rep.Tokens == 0 || rep.P99 < rep.P50 || rep.TokensPerSecond <= 0 {
		t.Fatalf("%v (%s)", rep, rep.FirstError)
	}
	t.Log(rep)
	// Wrong expectations are caught.
	exp, err := loadgen.Baseline(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	exp[3].Text += "!"
	cfg.Expected, cfg.Clients = exp, 1
	rep, err = loadgen.Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Mismatches == 0 || !strings.Contains(rep.FirstError, "request 3") {
		t.Fatalf("a wrong expectation went unnoticed: %v", rep)
	}
}
