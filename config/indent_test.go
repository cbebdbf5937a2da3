package config

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The YAML parser names the line where it noticed an indentation mistake, often above it; the
// problem names the line to fix.
func TestAnIndentationMistakeNamesItsLine(t *testing.T) {
	const head = "channels:\n  - channel: C0IOSBETA1\n"
	for _, tt := range []struct{ name, file, want string }{
		{"a key one space short", head + "    store: 64a1b2c3d4e5f6a7b8c9d0e1\n   apps:\n      - id: 64a1b2c3d4e5f6a7b8c9d0e2\n",
			"line 4: this line is indented by 3 spaces, which lines up with no line above it; indent it by 4"},
		{"a key under a value", head + "    store: 64a1b2c3d4e5f6a7b8c9d0e1\n      apps:\n",
			"line 4: this line is indented by 6 spaces, deeper than the line above allows, which has its value already; indent it by 4"},
		{"a key under the dash", head + "  store: 64a1b2c3d4e5f6a7b8c9d0e1\n",
			"line 3: this line lines up with the - of the list item above; indent it by 4 spaces"},
		{"a key after the apps, one short", head + "    store: 64a1b2c3d4e5f6a7b8c9d0e1\n    apps:\n      - id: 64a1b2c3d4e5f6a7b8c9d0e2\n        name: x\n   downloads: 3\n",
			"line 7: this line is indented by 3 spaces, which lines up with no line above it; indent it by 4"},
		{"a tab", head + "\tstore: 64a1b2c3d4e5f6a7b8c9d0e1\n",
			"line 3: a tab indents this line; YAML indents with spaces only, so replace the tab with spaces"},
		{"a tab after spaces", head + "  \tstore: 64a1b2c3d4e5f6a7b8c9d0e1\n",
			"line 3: a tab indents this line"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseMapping([]byte(tt.file))
			problems := problemsOf(t, err)
			require.Len(t, problems, 1)
			assert.Contains(t, problems[0], tt.want)
			assert.Contains(t, problems[0], "(the YAML parser says: line ")
		})
	}
}

func TestTheExampleHasNoIndentationProblem(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "channels.example.yaml"))
	require.NoError(t, err)
	line, problem := indentProblem(data)
	assert.Zero(t, line, problem)
}

func TestAMissingMappingFileSaysHowToMakeOne(t *testing.T) {
	path := filepath.Join(t.TempDir(), "channels.yaml")
	_, err := LoadMapping(path)
	require.Error(t, err)
	assert.Contains(t, err.Error(), path)
	assert.Contains(t, err.Error(), "(CHANNELS_FILE) does not exist")
	assert.Contains(t, err.Error(), "`cp channels.example.yaml channels.yaml`")
}

func TestADirectoryInPlaceOfTheMappingFileIsExplained(t *testing.T) {
	path := filepath.Join(t.TempDir(), "channels.yaml")
	require.NoError(t, os.Mkdir(path, 0o755)) // what `docker run -v ./channels.yaml:…` leaves when the file is missing
	_, err := LoadMapping(path)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "(CHANNELS_FILE) is a directory, not a file. Docker creates an empty directory in its place")
}

func TestAnUnreadableMappingFileNamesTheUID(t *testing.T) {
	if os.Getuid() == 0 {
		t.Skip("root reads any file")
	}
	path := filepath.Join(t.TempDir(), "channels.yaml")
	require.NoError(t, os.WriteFile(path, []byte(validMapping), 0o000))
	_, err := LoadMapping(path)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "cannot be read by this process (uid ")
}
