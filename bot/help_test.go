package bot

import (
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"
)

// help names each shortcut as people see it in Slack: as the manifest names it.
func TestHelpNamesTheShortcutsAsTheManifestDoes(t *testing.T) {
	raw, err := os.ReadFile("../manifest.yaml")
	require.NoError(t, err)
	var manifest struct {
		Features struct {
			Shortcuts []struct{ Name, Type string }
		}
	}
	require.NoError(t, yaml.Unmarshal(raw, &manifest))
	require.Len(t, manifest.Features.Shortcuts, 2)
	for _, s := range manifest.Features.Shortcuts {
		assert.Contains(t, helpText, "*"+s.Name+"*", "the %s shortcut", s.Type)
	}
}
