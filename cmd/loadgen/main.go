// Command loadgen loads an OpenAI-compatible server with concurrent
// clients for a bounded time, checks every answer against the same
// request run alone (no mismatch is allowed), and reports latency
// percentiles and aggregate tokens per second.
//
// It targets a running server (-url), or serves a model in process
// (-model DIR, or -tiny for a random GPT-2 written by serve/servetest) on
// loopback. With -compare it also measures one-request-at-a-time serving
// of the same mix: one client, and (in process) the same clients against
// a server that decodes one sequence at a time.
//
//	go run ./cmd/loadgen -tiny -layers 4 -dim 256 -clients 8 -duration 30s -compare
//	go run ./cmd/loadgen -url http://127.0.0.1:8080 -model-name my-model -clients 16
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"time"

	"github.com/goformer/goformer/models/auto"
	"github.com/goformer/goformer/models/hub"
	"github.com/goformer/goformer/serve"
	"github.com/goformer/goformer/serve/loadgen"
	"github.com/goformer/goformer/serve/servetest"

	_ "github.com/goformer/goformer/models/gpt"
	_ "github.com/goformer/goformer/models/llama"
)

func main() {
	ctx, cancel := signal.NotifyContext(context.Background(), os.Interrupt)
	defer cancel()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "loadgen:", err)
			os.Exit(1)
		}
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("loadgen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	url := fs.String("url", "", "a running server's address (http://host:port)")
	apiKey := fs.String("api-key", "", "bearer token for -url")
	modelName := fs.String("model-name", "", "the model id of the requests (default: the served model's)")
	model := fs.String("model", "", "serve this model directory (or org/name) in process")
	tiny := fs.Bool("tiny", false, "serve a random GPT-2 in process (sized by -layers -dim -heads -context -vocab)")
	layers := fs.Int("layers", 4, "-tiny: layers")
	dim := fs.Int("dim", 256, "-tiny: width")
	heads := fs.Int("heads", 4, "-tiny: attention heads")
	context := fs.Int("context", 256, "-tiny: context length")
	vocab := fs.Int("vocab", 512, "-tiny: vocabulary")
	clients := fs.Int("clients", 8, "concurrent clients")
	duration := fs.Duration("duration", 30*time.Second, "how long to load the server")
	requests := fs.Int("requests", 16, "distinct requests in the mix")
	maxTokens := fs.Int("max-tokens", 32, "most tokens per answer")
	maxBatch := fs.Int("max-batch", 16, "in process: most sequences decoded together")
	compare := fs.Bool("compare", false, "also measure one-request-at-a-time serving")
	rounds := fs.Int("rounds", 1, "with -compare, alternate the measurements this many times and report medians")
	jsonOut := fs.String("json", "", "write the reports to this file as JSON")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the run to this file")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if (*url != "") == (*model != "" || *tiny) || *model != "" && *tiny {
		return errors.New("give one of -url, -model or -tiny")
	}
	if *clients < 1 || *duration <= 0 || *requests < 1 || *maxTokens < 1 || *rounds < 1 {
		return errors.New("-clients, -duration, -requests, -max-tokens and -rounds must be positive")
	}

	// In process: load the model and serve it on loopback.
	var lm *auto.CausalLM
	start := func(batch int) (string, func(), error) {
		s, err := serve.New(serve.Config{Model: lm, ModelName: *modelName, MaxBatch: batch, QueueSize: 4 * *clients,
			Logger: slog.New(slog.NewTextHandler(stderr, nil))})
		if err != nil {
			return "", nil, err
		}
		h := httptest.NewServer(s)
		return h.URL, func() { h.Close(); s.Close() }, nil
	}
	if *url == "" {
		path := *model
		if *tiny {
			dir, err := os.MkdirTemp("", "loadgen-")
			if err != nil {
				return err
			}
			defer os.RemoveAll(dir)
			path = filepath.Join(dir, "tiny-gpt2")
			if err := servetest.WriteGPT2(path, servetest.GPT2Options{Layers: *layers, Dim: *dim, Heads: *heads, Context: *context, Vocab: *vocab}); err != nil {
				return err
			}
		}
		var err error
		if lm, err = auto.LoadCausalLM(path, auto.Options{Hub: hub.Options{Offline: true}}); err != nil {
			return err
		}
		if *modelName == "" {
			*modelName = serve.ModelID(path)
		}
	}
	if *modelName == "" {
		return errors.New("-model-name is required with -url")
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	mix := loadgen.Mix(*requests, *maxTokens)
	target := *url
	if target == "" {
		u, stop, err := start(*maxBatch)
		if err != nil {
			return err
		}
		defer stop()
		target = u
	}
	cfg := loadgen.Config{URL: target, APIKey: *apiKey, Model: *modelName, Clients: *clients, Duration: *duration, Requests: mix}
	fmt.Fprintf(stderr, "loadgen: %s, model %q, %d requests of up to %d tokens, GOMAXPROCS %d\n", target, *modelName, *requests, *maxTokens, runtime.GOMAXPROCS(0))
	exp, err := loadgen.Baseline(ctx, cfg)
	if err != nil {
		return err
	}
	cfg.Expected = exp
	// The modes measured, alternated round by round.
	type mode struct {
		name string
		cfg  loadgen.Config
	}
	modes := []mode{{"batched", cfg}}
	if *compare {
		one := cfg
		one.Clients = 1
		modes = append(modes, mode{"one client", one})
		if lm != nil {
			u, stop, err := start(1)
			if err != nil {
				return err
			}
			defer stop()
			seq := cfg
			seq.URL = u
			if seq.Expected, err = loadgen.Baseline(ctx, seq); err != nil {
				return err
			}
			modes = append(modes, mode{"max-batch 1", seq})
		}
	}
	reports := map[string][]*loadgen.Report{}
	for r := range *rounds {
		for _, m := range modes {
			rep, err := loadgen.Run(ctx, m.cfg)
			if err != nil {
				return err
			}
			reports[m.name] = append(reports[m.name], rep)
			fmt.Fprintf(stdout, "round %d %-13s %v\n", r+1, m.name+":", rep)
			if rep.Errors > 0 || rep.Mismatches > 0 {
				return fmt.Errorf("%s: %d errors, %d mismatches; first: %s", m.name, rep.Errors, rep.Mismatches, rep.FirstError)
			}
		}
	}
	if *rounds > 1 || *compare {
		fmt.Fprintf(stdout, "\nmedians of %d rounds:\n", *rounds)
		fmt.Fprintf(stdout, "| mode | clients | tokens/s | requests/s | p50 | p99 | first token p50 |\n| --- | --- | --- | --- | --- | --- | --- |\n")
		for _, m := range modes {
			rs := reports[m.name]
			fmt.Fprintf(stdout, "| %s | %d | %.0f | %.1f | %v | %v | %v |\n", m.name, m.cfg.Clients,
				median(rs, func(r *loadgen.Report) float64 { return r.TokensPerSecond }),
				median(rs, func(r *loadgen.Report) float64 { return r.RequestsPerSecond }),
				medianDur(rs, func(r *loadgen.Report) time.Duration { return r.P50 }),
				medianDur(rs, func(r *loadgen.Report) time.Duration { return r.P99 }),
				medianDur(rs, func(r *loadgen.Report) time.Duration { return r.TTFTP50 }))
		}
		b := reports["batched"]
		for _, m := range modes[1:] {
			o := reports[m.name]
			ratio := make([]float64, len(b))
			p99 := make([]float64, len(b))
			for i := range b {
				ratio[i] = b[i].TokensPerSecond / o[i].TokensPerSecond
				p99[i] = b[i].P99.Seconds() / o[i].P99.Seconds()
			}
			slices.Sort(ratio)
			slices.Sort(p99)
			fmt.Fprintf(stdout, "batched / %s, per round: tokens/s %.2fx (median; %.2f-%.2f), p99 latency %.2fx\n", m.name,
				ratio[len(ratio)/2], ratio[0], ratio[len(ratio)-1], p99[len(p99)/2])
		}
	}
	if *jsonOut != "" {
		b, _ := json.MarshalIndent(reports, "", "  ")
		return os.WriteFile(*jsonOut, b, 0o644)
	}
	return nil
}

func median(rs []*loadgen.Report, f func(*loadgen.Report) float64) float64 {
	v := make([]float64, len(rs))
	for i, r := range rs {
		v[i] = f(r)
	}
	slices.Sort(v)
	return v[len(v)/2]
}

func medianDur(rs []*loadgen.Report, f func(*loadgen.Report) time.Duration) time.Duration {
	return time.Duration(median(rs, func(r *loadgen.Report) float64 { return float64(f(r)) })).Round(time.Millisecond)
}
