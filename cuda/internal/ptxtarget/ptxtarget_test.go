package ptxtarget

import (
	"strings"
	"testing"
)

const module = `// generated
//

.version 7.0
.target sm_80
.address_size 64

.visible .entry k(
	.param .u64 k_param_0
)
{
	ret;
}
`

func TestRetargetRewritesOnlyTheTwoDirectives(t *testing.T) {
	sm90, _ := Lookup("sm_90")
	got, err := Retarget([]byte(module), sm90)
	if err != nil {
		t.Fatal(err)
	}
	want := strings.Replace(strings.Replace(module, ".version 7.0", ".version 7.8", 1), ".target sm_80", ".target sm_90", 1)
	if string(got) != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
	base, _ := Lookup(Base)
	back, err := Retarget(got, base)
	if err != nil || string(back) != module {
		t.Fatalf("retargeting back gave %v\n%s", err, back)
	}
}

func TestRetargetRefusesModulesItCannotRead(t *testing.T) {
	sm90, _ := Lookup("sm_90")
	for name, ptx := range map[string]string{
		"no version":   strings.Replace(module, ".version 7.0\n", "", 1),
		"no target":    strings.Replace(module, ".target sm_80\n", "", 1),
		"two targets":  strings.Replace(module, ".target sm_80\n", ".target sm_80\n.target sm_80\n", 1),
		"out of order": strings.Replace(strings.Replace(module, ".version 7.0\n", "", 1), ".address_size 64", ".address_size 64\n.version 7.0", 1),
		"empty":        "",
	} {
		if _, err := Retarget([]byte(ptx), sm90); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestTargetsRunOnTheDevicesTheyShould(t *testing.T) {
	cases := []struct {
		arch         string
		major, minor int
		want         bool
	}{
		{"sm_80", 8, 0, true}, {"sm_80", 8, 9, true}, {"sm_80", 9, 0, true}, {"sm_80", 7, 5, false},
		{"sm_90", 9, 0, true}, {"sm_90", 10, 0, true}, {"sm_90", 8, 9, false},
		{"sm_90a", 9, 0, true}, {"sm_90a", 10, 0, false}, {"sm_90a", 8, 0, false},
	}
	for _, c := range cases {
		tg, ok := Lookup(c.arch)
		if !ok {
			t.Fatalf("no target %s", c.arch)
		}
		if got := tg.Runs(c.major, c.minor); got != c.want {
			t.Errorf("%s on %d.%d: %v, want %v", c.arch, c.major, c.minor, got, c.want)
		}
	}
}
