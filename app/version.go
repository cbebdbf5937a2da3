package app

import (
	"runtime/debug"
	"strings"
)

// version says which build this is, from what the Go toolchain records in the binary: the
// module version (a tag when built with `go install …@v1.2.3`), the commit, and whether the
// work tree had uncommitted changes. A binary built outside a git checkout (or with
// -buildvcs=false) has no commit, and says so.
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
	if v := info.Main.Version; v != "" && v != "(devel)" {
		parts = append(parts, v)
	}
	switch commit := settings["vcs.revision"]; {
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
