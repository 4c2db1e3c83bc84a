package main

import (
	"bytes"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"sort"
	"strings"
	"testing"
)

func runMain(args ...string) (stdout, stderr string, code int) {
	var out, errb bytes.Buffer
	code = run(args, strings.NewReader(""), &out, &errb)
	return out.String(), errb.String(), code
}

func TestUnknownCommandFailsWithUsage(t *testing.T) {
	_, stderr, code := runMain("no-such-command")
	if code != 2 {
		t.Fatalf("exit code = %d, want 2", code)
	}
	if !strings.Contains(stderr, "unknown command") || !strings.Contains(stderr, "usage:") {
		t.Errorf("stderr = %q, want an unknown-command message and usage", stderr)
	}
}

func TestNoArgumentsPrintsUsage(t *testing.T) {
	_, stderr, code := runMain()
	if code != 2 {
		t.Fatalf("exit code = %d, want 2", code)
	}
	if !strings.Contains(stderr, "usage:") {
		t.Errorf("stderr = %q, want usage", stderr)
	}
}

func TestUsageListsEveryCommandInOneColumn(t *testing.T) {
	_, stderr, _ := runMain("help")
	col := -1
	for name, c := range commands {
		var line string
		for _, l := range strings.Split(stderr, "\n") {
			if strings.HasPrefix(l, "  "+name+" ") {
				line = l
			}
		}
		if line == "" {
			t.Errorf("usage does not list %s:\n%s", name, stderr)
			continue
		}
		at := strings.Index(line, c.summary)
		if col < 0 {
			col = at
		}
		if at != col || at < len("  "+name+" ") {
			t.Errorf("the summary of %s starts at column %d, others at %d:\n%s", name, at, col, stderr)
		}
	}
}

// everyInvocation lists each command, and each subcommand of the
// commands that have them, as the words that call it.
func everyInvocation() [][]string {
	var names []string
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	var calls [][]string
	for _, n := range names {
		c := commands[n]
		if c.subs == nil {
			calls = append(calls, []string{n})
		}
		for _, sc := range c.subs {
			calls = append(calls, []string{n, sc.name})
		}
	}
	return calls
}

func TestDashHPrintsHelpAndSucceedsForEveryCommand(t *testing.T) {
	for _, call := range everyInvocation() {
		for _, h := range []string{"-h", "--help"} {
			_, stderr, code := runMain(append(call, h)...)
			if code != 0 || !strings.Contains(strings.ToLower(stderr), "usage") || strings.Contains(stderr, "help requested") {
				t.Errorf("%s %s: exit %d, stderr %q; want 0 and the usage alone", strings.Join(call, " "), h, code, stderr)
			}
		}
	}
}

func TestHelpCommandShowsTheHelpOfTheCommandNamed(t *testing.T) {
	for _, call := range everyInvocation() {
		_, want, _ := runMain(append(call, "-h")...)
		_, got, code := runMain(append([]string{"help"}, call...)...)
		if code != 0 || got != want {
			t.Errorf("help %s: exit %d, stderr\n%s\nwant exit 0 and what -h prints:\n%s", strings.Join(call, " "), code, got, want)
		}
	}
	// "help CMD" for a command with subcommands is its usage.
	_, stderr, code := runMain("help", "embed")
	if code != 0 || !strings.Contains(stderr, "goformer embed <subcommand>") {
		t.Errorf("help embed: exit %d, stderr %q", code, stderr)
	}
	if _, _, code := runMain("help", "no-such-command"); code != 2 {
		t.Errorf("help of an unknown command: exit %d, want 2", code)
	}
}

func TestAnUnknownFlagIsReportedOnceThenTheUsage(t *testing.T) {
	for _, call := range everyInvocation() {
		_, stderr, code := runMain(append(call, "-no-such-flag")...)
		name := strings.Join(call, " ")
		const msg = "flag provided but not defined: -no-such-flag"
		if code != 2 {
			t.Errorf("%s -no-such-flag: exit %d, want 2", name, code)
		}
		if n := strings.Count(stderr, "no-such-flag"); n != 1 || !strings.HasPrefix(stderr, msg+"\n") {
			t.Errorf("%s -no-such-flag: the flag is named %d times; want the message once, first:\n%s", name, n, stderr)
		}
		if !strings.Contains(strings.ToLower(stderr), "usage") {
			t.Errorf("%s -no-such-flag: no usage after the message:\n%s", name, stderr)
		}
	}
}

func TestEveryCommandHandlesHelpAndUnknownSubcommandsAlike(t *testing.T) {
	for name, c := range commands {
		if c.subs == nil {
			continue
		}
		_, stderr, code := runMain(name, "help")
		if code != 0 || !strings.Contains(stderr, "usage:") {
			t.Errorf("%s help: exit %d, stderr %q; want 0 and usage on stderr", name, code, stderr)
		}
		_, stderr, code = runMain(name, "no-such-verb")
		if code != 2 || !strings.Contains(stderr, `"no-such-verb"`) || !strings.Contains(stderr, "usage:") {
			t.Errorf("%s no-such-verb: exit %d, stderr %q; want 2 naming the verb, then usage", name, code, stderr)
		}
		_, stderr, code = runMain(name)
		if code != 2 || !strings.Contains(stderr, "missing") {
			t.Errorf("%s alone: exit %d, stderr %q; want 2 and what is missing", name, code, stderr)
		}
	}
}

func TestVersionNamesTheModuleGoAndCPUKernels(t *testing.T) {
	stdout, stderr, code := runMain("version")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{"goformer ", runtime.Version(), runtime.GOOS + "/" + runtime.GOARCH, "cpu "} {
		if !strings.Contains(stdout, want) {
			t.Errorf("version output lacks %q:\n%s", want, stdout)
		}
	}
	var b bytes.Buffer
	writeVersion(&b, &debug.BuildInfo{
		Main: debug.Module{Path: "github.com/goformer/goformer", Version: "v0.3.1"},
		Settings: []debug.BuildSetting{
			{Key: "vcs.revision", Value: "0123abcd"}, {Key: "vcs.time", Value: "2026-01-02T03:04:05Z"}, {Key: "vcs.modified", Value: "true"},
		},
	})
	for _, want := range []string{"goformer v0.3.1 (github.com/goformer/goformer)", "0123abcd 2026-01-02T03:04:05Z, modified"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("version output lacks %q:\n%s", want, b.String())
		}
	}
	b.Reset()
	writeVersion(&b, nil)
	if !strings.Contains(b.String(), "goformer (unknown)") {
		t.Errorf("without build information: %q", b.String())
	}
}

func TestTheReadmeNamesEveryCommand(t *testing.T) {
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	var row string
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "| `cmd/goformer` |") {
			row = l
		}
	}
	if row == "" {
		t.Fatal("README.md has no row for cmd/goformer in its package table")
	}
	for name := range commands {
		if !strings.Contains(row, "`"+name+"`") {
			t.Errorf("README.md's cmd/goformer row does not name the %s command: %s", name, row)
		}
	}
}

func TestOutOfRangeValuesAreUsageErrors(t *testing.T) {
	dir := t.TempDir()
	text := filepath.Join(dir, "t.txt")
	if err := os.WriteFile(text, []byte("a b c\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"eval", "bleu", "--ref", text, "--hyp", text, "--max-order", "0"}, "--max-order 0"},
		{[]string{"eval", "bleu", "--ref", text, "--hyp", text, "--bootstrap", "-5"}, "--bootstrap -5"},
		{[]string{"eval", "bleu", "--ref", text, "--hyp", text, "--bootstrap", "1"}, "--bootstrap 1"},
		{[]string{"eval", "chrf", "--ref", text, "--hyp", text, "--char-order", "-1"}, "--char-order -1"},
		{[]string{"eval", "rouge", "--ref", text, "--hyp", text, "--bootstrap", "-1"}, "--bootstrap -1"},
		{[]string{"eval", "f1", "--ref", text, "--hyp", text, "--digits", "-3"}, "--digits -3"},
		{[]string{"tokenize", "encode", "-max-length", "-4", text}, "-max-length -4"},
		{[]string{"tokenize", "encode", "-pad", "-1", text}, "-pad -1"},
		{[]string{"tokenize", "encode", "-stride", "2", text}, "-stride 2 needs -max-length"},
	}
	for _, c := range cases {
		stdout, stderr, code := runMain(c.args...)
		if code != 2 || !strings.Contains(stderr, c.want) || stdout != "" {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want exit 2 naming %q and no output", c.args, code, stdout, stderr, c.want)
		}
	}
}
