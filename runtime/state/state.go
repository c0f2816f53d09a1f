// Package state keeps a pipeline's working folder and its state: the JSON
// document dlt calls the pipeline state (incremental cursors, per-resource
// values), stored in <pipelines dir>/<name>/state.json and, with every load,
// in the destination's _dlt_pipeline_state table inside the load's
// transaction.
//
// The destination copy is the one that counts: it is committed together
// with the data, so a run that fails leaves both as they were. The local
// file is a cache written after the commit.
package state

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// EngineVersion is the state engine version dlt writes (4).
const EngineVersion = 4

// EnvPipelinesDir names the environment variable that overrides the default
// pipelines folder.
const EnvPipelinesDir = "SLUICE_PIPELINES_DIR"

// DefaultRoot returns the folder that holds pipeline folders: the
// SLUICE_PIPELINES_DIR variable, else ~/.sluice/pipelines.
func DefaultRoot() string {
	if d := os.Getenv(EnvPipelinesDir); d != "" {
		return d
	}
	home, err := os.UserHomeDir()
	if err != nil || home == "" {
		return filepath.Join(os.TempDir(), "sluice", "pipelines")
	}
	return filepath.Join(home, ".sluice", "pipelines")
}

// State is a pipeline's state document, in dlt's shape.
type State struct {
	Version           int64          `json:"_state_version"`
	EngineVersion     int            `json:"_state_engine_version"`
	PipelineName      string         `json:"pipeline_name"`
	DatasetName       string         `json:"dataset_name"`
	DefaultSchemaName string         `json:"default_schema_name"`
	SchemaNames       []string       `json:"schema_names"`
	DestinationName   string         `json:"destination_name"`
	Sources           map[string]any `json:"sources"`
	// Local holds what dlt keeps under _local: facts about this machine's
	// runs, never sent to the destination.
	Local map[string]any `json:"_local,omitempty"`
}

// New returns the state of a pipeline that has never run.
func New(pipeline string) *State {
	return &State{EngineVersion: EngineVersion, PipelineName: pipeline, Sources: map[string]any{}}
}

// Parse reads a state document. Numbers under sources keep their exact
// text (json.Number), so an integer cursor beyond 2^53 (a snowflake id)
// comes back as it was stored.
func Parse(data []byte) (*State, error) {
	s := &State{}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(s); err != nil {
		return nil, fmt.Errorf("reading pipeline state: %w", err)
	}
	if s.Sources == nil {
		s.Sources = map[string]any{}
	}
	return s, nil
}

// Marshal returns the state as stored in the destination (without _local).
func (s *State) Marshal() ([]byte, error) {
	c := *s
	c.Local = nil
	return json.Marshal(&c)
}

// Hash returns a hash of the state's content that ignores its version, so
// that an unchanged state keeps its hash.
func (s *State) Hash() string {
	c := *s
	c.Local = nil
	c.Version = 0
	b, _ := json.Marshal(&c)
	sum := sha256.Sum256(b)
	return base64.RawStdEncoding.EncodeToString(sum[:])
}

// Dir is one pipeline's working folder.
type Dir struct {
	Path string
}

// Open returns the working folder of pipeline name under root, creating it.
func Open(root, name string) (*Dir, error) {
	p := filepath.Join(root, name)
	if err := os.MkdirAll(p, 0o755); err != nil {
		return nil, fmt.Errorf("creating the pipeline folder: %w", err)
	}
	return &Dir{Path: p}, nil
}

func (d *Dir) statePath() string { return filepath.Join(d.Path, "state.json") }

// Load reads the local state, or returns nil when there is none.
func (d *Dir) Load() (*State, error) {
	b, err := os.ReadFile(d.statePath())
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return Parse(b)
}

// Save writes the local state atomically (write to a temporary file, then
// rename).
func (d *Dir) Save(s *State) error {
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	return writeAtomic(d.statePath(), b)
}

// SaveFile writes name inside the folder atomically.
func (d *Dir) SaveFile(name string, data []byte) error {
	p := filepath.Join(d.Path, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	return writeAtomic(p, data)
}

func writeAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tmp-*")
	if err != nil {
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return os.Rename(tmp.Name(), path)
}
