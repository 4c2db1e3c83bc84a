package ddtp

import (
	"bytes"
	"compress/gzip"
	"strings"
	"testing"
)

func TestShippedPairsAreSplitBySourcePackage(t *testing.T) {
	for _, tc := range []struct {
		name                 string
		load                 func() ([]Pair, error)
		total, train, dev, n int
	}{
		{"EnglishGerman", EnglishGerman, 6000, 5164, 261, 575},
		{"Summaries", Summaries, 4000, 3476, 165, 359},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pairs, err := tc.load()
			if err != nil {
				t.Fatal(err)
			}
			if len(pairs) != tc.total {
				t.Fatalf("%d pairs, want %d", len(pairs), tc.total)
			}
			for split, want := range map[string]int{Train: tc.train, Dev: tc.dev, Test: tc.n} {
				if got := len(Split(pairs, split)); got != want {
					t.Errorf("%s: %d pairs, want %d", split, got, want)
				}
			}
			splitOf := map[string]string{}
			inputs := map[string]string{}
			for _, p := range pairs {
				if s, ok := splitOf[p.Source]; ok && s != p.Split {
					t.Errorf("source package %s is in both %s and %s", p.Source, s, p.Split)
				}
				splitOf[p.Source] = p.Split
				if s, ok := inputs[p.Input]; ok {
					t.Errorf("input %q appears twice (%s, %s)", p.Input, s, p.Package)
				}
				inputs[p.Input] = p.Package
				if strings.TrimSpace(p.Target) != p.Target || strings.Contains(p.Target, "\n") {
					t.Errorf("%s: target %q is not one trimmed line", p.Package, p.Target)
				}
			}
		})
	}
}

func gz(s string) []byte {
	var b bytes.Buffer
	z := gzip.NewWriter(&b)
	z.Write([]byte(s))
	z.Close()
	return b.Bytes()
}

func TestParseRejectsBadInput(t *testing.T) {
	good := `{"package":"a","source":"a","split":"train","en":"x","de":"y"}` + "\n"
	whole := gz(good + good)
	for _, tc := range []struct {
		name string
		data []byte
	}{
		{"not gzip", []byte(good)},
		{"empty", nil},
		{"truncated gzip", whole[:len(whole)-6]},
		{"not JSON", gz("{\"package\":\n")},
		{"missing target", gz(`{"package":"a","source":"a","split":"train","en":"x"}`)},
		{"unknown split", gz(`{"package":"a","source":"a","split":"valid","en":"x","de":"y"}`)},
		{"a number for a string", gz(`{"package":1,"split":"train","en":"x","de":"y"}`)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if p, err := Parse(bytes.NewReader(tc.data), "en", "de"); err == nil {
				t.Fatalf("accepted, gave %d pairs", len(p))
			}
		})
	}
	p, err := Parse(bytes.NewReader(whole), "en", "de")
	if err != nil || len(p) != 2 || p[1] != (Pair{Package: "a", Source: "a", Split: Train, Input: "x", Target: "y"}) {
		t.Fatalf("good input: %v, %+v", err, p)
	}
}
