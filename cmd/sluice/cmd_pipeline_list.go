package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"

	"github.com/sluicehq/sluice/runtime/pipeline"
	"github.com/sluicehq/sluice/runtime/state"
)

// pipelineListEntry is one pipeline of `sluice pipeline --format json`.
type pipelineListEntry struct {
	Name        string `json:"name"`
	StateDir    string `json:"state_dir"`
	Destination string `json:"destination,omitempty"`
	DB          string `json:"db,omitempty"`
	LastLoadID  string `json:"last_load_id,omitempty"`
}

// listPipelines prints the pipelines that have a state folder in the
// pipelines folder, by name.
func listPipelines(fl *pipelineFlags, stdout io.Writer) error {
	root := firstNonEmpty(fl.pipelinesDir, state.DefaultRoot())
	entries, err := os.ReadDir(root)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("reading the pipelines folder: %w", err)
	}
	list := []pipelineListEntry{}
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		d := &state.Dir{Path: filepath.Join(root, e.Name())}
		st, err := d.Load()
		if err != nil || st == nil {
			continue // not a pipeline's folder, or one that never loaded
		}
		it := pipelineListEntry{Name: e.Name(), StateDir: d.Path, Destination: st.DestinationName}
		it.DB, _ = st.Local[pipeline.LocalDestinationPath].(string)
		it.LastLoadID, _ = st.Local["last_load_id"].(string)
		list = append(list, it)
	}
	sort.Slice(list, func(i, j int) bool { return list[i].Name < list[j].Name })
	if fl.format == "json" {
		return writeJSON(stdout, map[string]any{"pipelines_dir": root, "pipelines": list})
	}
	if len(list) == 0 {
		fmt.Fprintf(stdout, "No pipeline has loaded with %s as its pipelines folder yet.\n", root)
		return nil
	}
	fmt.Fprintf(stdout, "Pipelines in %s:\n", root)
	width := 0
	for _, it := range list {
		width = max(width, len(it.Name))
	}
	for _, it := range list {
		where := it.DB
		if where == "" {
			where = "(database not recorded)"
		}
		fmt.Fprintf(stdout, "  %-*s  %s %s, last load %s\n", width, it.Name, it.Destination, where, firstNonEmpty(it.LastLoadID, "unknown"))
	}
	return nil
}
