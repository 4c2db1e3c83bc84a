package main

import (
	"bytes"
	"strings"
	"testing"
)

func TestUnknownCommandFailsWithUsage(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run([]string{"no-such-command"}, strings.NewReader(""), &out, &errb); code != 2 {
		t.Fatalf("exit code = %d, want 2", code)
	}
	if !strings.Contains(errb.String(), "unknown command") || !strings.Contains(errb.String(), "usage:") {
		t.Errorf("stderr = %q, want an unknown-command message and usage", errb.String())
	}
}

func TestNoArgumentsPrintsUsage(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run(nil, strings.NewReader(""), &out, &errb); code != 2 {
		t.Fatalf("exit code = %d, want 2", code)
	}
	if !strings.Contains(errb.String(), "usage:") {
		t.Errorf("stderr = %q, want usage", errb.String())
	}
}

func TestEveryCommandHandlesHelpAndUnknownSubcommandsAlike(t *testing.T) {
	for _, name := range []string{"eval", "text", "tokenize", "embed"} {
		var out, errb bytes.Buffer
		if code := run([]string{name, "help"}, strings.NewReader(""), &out, &errb); code != 0 || !strings.Contains(errb.String(), "usage:") {
			t.Errorf("%s help: exit %d, stderr %q; want 0 and usage on stderr", name, code, errb.String())
		}
		errb.Reset()
		if code := run([]string{name, "no-such-verb"}, strings.NewReader(""), &out, &errb); code != 1 || !strings.Contains(errb.String(), `"no-such-verb"`) {
			t.Errorf("%s no-such-verb: exit %d, stderr %q; want 1 naming the verb", name, code, errb.String())
		}
	}
}
