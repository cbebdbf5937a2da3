package app

import (
	"runtime/debug"
	"strings"
)

// version says which build this is, from what the Go toolchain records in the binary: the
// module version when it is a tag, the commit, and whether the work tree had uncommitted
// changes. `go run`, a build outside a git checkout and -buildvcs=false record no commit, and
// the version says so.
func version() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "testerbot (no build information)"
	}
	return describeBuild(info)
}

func describeBuild(info *debug.BuildInfo) string {
	settings := map[string]string{}
	for _, s := range info.Settings {
		settings[s.Key] = s.Value
	}
	parts := []string{"testerbot"}
	commit := settings["vcs.revision"]
	// A tag (v1.2.3) says something the commit does not; a pseudo-version made from the commit
	// (v0.0.0-20261207122053-f4bee868af30) only repeats it.
	if v := info.Main.Version; v != "" && v != "(devel)" && (len(commit) < 12 || !strings.Contains(v, commit[:12])) {
		parts = append(parts, v)
	}
	switch {
	case commit == "":
		parts = append(parts, "commit unknown")
	case settings["vcs.modified"] == "true":
		parts = append(parts, "commit "+commit+" (modified)")
	default:
		parts = append(parts, "commit "+commit)
	}
	if t := settings["vcs.time"]; t != "" {
		parts = append(parts, t)
	}
	return strings.Join(parts, ", ") + ", " + info.GoVersion
}
