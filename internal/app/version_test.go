package app

import (
	"runtime/debug"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestDescribeBuild(t *testing.T) {
	t.Parallel()
	const commit = "f4bee868af30b5e8db42e8944a469449543fc177"
	build := func(version string, settings ...string) *debug.BuildInfo {
		info := &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: version}}
		for i := 0; i+1 < len(settings); i += 2 {
			info.Settings = append(info.Settings, debug.BuildSetting{Key: settings[i], Value: settings[i+1]})
		}
		return info
	}
	for want, info := range map[string]*debug.BuildInfo{
		"testerbot, commit " + commit + ", 2026-12-07T12:20:53Z, go1.26.8": build("v0.0.0-20261207122053-f4bee868af30",
			"vcs.revision", commit, "vcs.time", "2026-12-07T12:20:53Z", "vcs.modified", "false"),
		"testerbot, commit " + commit + " (modified), go1.26.8": build("v0.0.0-20261207122053-f4bee868af30+dirty",
			"vcs.revision", commit, "vcs.modified", "true"),
		"testerbot, v1.2.0, commit " + commit + ", go1.26.8": build("v1.2.0", "vcs.revision", commit, "vcs.modified", "false"),
		"testerbot, commit unknown, go1.26.8":                build("(devel)"),
	} {
		assert.Equal(t, want, describeBuild(info))
	}
}
