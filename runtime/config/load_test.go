package config

import (
	"errors"
	"strings"
	"syscall"
	"testing"
)

func TestLoadFolder(t *testing.T) {
	dir := t.TempDir()
	_, err := Load(dir, Options{})
	var ps Problems
	if err == nil || errors.As(err, &ps) || !strings.Contains(err.Error(), "is a folder, not a pipeline file") || !errors.Is(err, syscall.EISDIR) {
		t.Errorf("Load(folder) = %v", err)
	}
}
