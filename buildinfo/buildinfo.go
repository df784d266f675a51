// Package buildinfo reads what the Go toolchain stamped into the binary
// (module version, VCS revision and time, whether the tree was modified):
// the one source of --version and of the cti3cx_build_info gauge.
package buildinfo

import (
	"fmt"
	"runtime/debug"
)

// Info describes one build. Fields the build did not stamp (go run, a tree
// without VCS metadata, -buildvcs=false) are "unknown"; Modified is false.
type Info struct {
	Version   string // module version: (devel) for a build from a checkout
	Revision  string // VCS revision, e.g. a git commit hash
	Time      string // the revision's commit time, RFC 3339
	Modified  bool   // the working tree had uncommitted changes
	GoVersion string
}

// Read returns this binary's build information.
func Read() Info {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return Info{Version: "unknown", Revision: "unknown", Time: "unknown", GoVersion: "unknown"}
	}
	return FromDebug(bi)
}

// FromDebug extracts Info from the toolchain's record (split out for tests).
func FromDebug(bi *debug.BuildInfo) Info {
	info := Info{Version: bi.Main.Version, Revision: "unknown", Time: "unknown", GoVersion: bi.GoVersion}
	if info.Version == "" {
		info.Version = "unknown"
	}
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			info.Revision = s.Value
		case "vcs.time":
			info.Time = s.Value
		case "vcs.modified":
			info.Modified = s.Value == "true"
		}
	}
	return info
}

// String is the one line --version prints, e.g.
// "cti3cx-api (devel) revision 1a2b3c4d5e6f (2026-12-01T21:00:00Z, modified) go1.26.0".
func (i Info) String(program string) string {
	rev := i.Revision
	if len(rev) > 12 {
		rev = rev[:12]
	}
	mod := ""
	if i.Modified {
		mod = ", modified"
	}
	return fmt.Sprintf("%s %s revision %s (%s%s) %s", program, i.Version, rev, i.Time, mod, i.GoVersion)
}
