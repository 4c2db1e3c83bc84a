package main

import (
	"bytes"
	"strings"
	"testing"
)

func TestGPUListsDevicesOrSaysWhyThereAreNone(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run([]string{"gpu"}, strings.NewReader(""), &out, &errb); code != 0 {
		t.Fatalf("exit %d, stderr %q", code, errb.String())
	}
	s := out.String()
	if !strings.HasPrefix(s, "no GPU: ") && !strings.Contains(s, "driver: CUDA") {
		t.Errorf("output %q neither lists devices nor gives a reason", s)
	}
}

func TestGPURejectsStrayArguments(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run([]string{"gpu", "extra"}, strings.NewReader(""), &out, &errb); code != 2 {
		t.Errorf("exit %d, want 2", code)
	}
	if code := run([]string{"gpu", "-nope"}, strings.NewReader(""), &out, &errb); code == 0 {
		t.Error("an unknown flag was accepted")
	}
}
