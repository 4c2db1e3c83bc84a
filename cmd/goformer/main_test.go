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
