package buildinfo_test

import (
	"runtime/debug"
	"testing"

	"github.com/cti3cx/cti3cx/buildinfo"
)

func TestFromDebug(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		bi   debug.BuildInfo
		want string
	}{
		{"stamped", debug.BuildInfo{GoVersion: "go1.26.0", Main: debug.Module{Version: "(devel)"}, Settings: []debug.BuildSetting{
			{Key: "vcs.revision", Value: "0123456789abcdef0123"}, {Key: "vcs.time", Value: "2026-12-01T21:00:00Z"}, {Key: "vcs.modified", Value: "true"},
		}}, "x (devel) revision 0123456789ab (2026-12-01T21:00:00Z, modified) go1.26.0"},
		{"no vcs", debug.BuildInfo{GoVersion: "go1.26.0", Main: debug.Module{Version: "v1.2.3"}}, "x v1.2.3 revision unknown (unknown) go1.26.0"},
		{"nothing", debug.BuildInfo{}, "x unknown revision unknown (unknown) "},
	} {
		if got := buildinfo.FromDebug(&tc.bi).String("x"); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
}
