package main

import (
	"embed"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/sluicehq/sluice/runtime/pipeline"
)

// templateFS holds the init templates: templates/<name>/pipeline.yaml and
// templates/<name>/secrets.toml, and one templates/gitignore for all.
//
//go:embed templates
var templateFS embed.FS

// initTemplate is one template of sluice init.
type initTemplate struct {
	Name    string
	Summary string
}

// initTemplates are the templates, in the order init lists them.
var initTemplates = []initTemplate{
	{"rest_api", "any REST API: auth, a paginator, a dependent resource, an incremental resource (runs against sluice-demo-api)"},
	{"postgrest", "a PostgREST API: JWT, Content-Range paging, gte. incremental filter, embedded tables, /rpc/ functions"},
	{"stac", "a STAC API: collections, each collection's items by next links, a POST item search"},
	{"github", "GitHub issues and their comments, incremental on updated_at, paged by the Link header"},
	{"pokemon", "PokéAPI: pokemon, berry and location lists and each pokemon's details"},
}

func findTemplate(name string) (initTemplate, bool) {
	for _, t := range initTemplates {
		if t.Name == name {
			return t, true
		}
	}
	return initTemplate{}, false
}

func templateNames() string {
	names := make([]string, len(initTemplates))
	for i, t := range initTemplates {
		names[i] = t.Name
	}
	return strings.Join(names, ", ")
}

// initFile is one file init writes.
type initFile struct {
	name string // in DIR
	body []byte
	perm fs.FileMode
	what string // one line for the summary
}

// templateFiles are the files template t writes.
func templateFiles(t initTemplate) ([]initFile, error) {
	read := func(p string) ([]byte, error) { return templateFS.ReadFile("templates/" + p) }
	yaml, err := read(t.Name + "/pipeline.yaml")
	if err != nil {
		return nil, err
	}
	secrets, err := read(t.Name + "/secrets.toml")
	if err != nil {
		return nil, err
	}
	ignore, err := read("gitignore")
	if err != nil {
		return nil, err
	}
	return []initFile{
		{name: pipelineFileName(t.Name), body: yaml, perm: 0o644, what: "the pipeline: edit base_url and the resources"},
		{name: "secrets.toml", body: secrets, perm: 0o600, what: "the values ${sources." + t.Name + ".…} reads; never commit it"},
		{name: ".gitignore", body: ignore, perm: 0o644, what: "keeps secrets.toml and database files out of git"},
	}, nil
}

// pipelineFileName is the pipeline file a template writes:
// <template>_pipeline.yaml, as dlt init writes <source>_pipeline.py.
func pipelineFileName(template string) string { return template + "_pipeline.yaml" }

func newInitCmd(stdout, stderr io.Writer) *cobra.Command {
	var force bool
	cmd := &cobra.Command{
		Use:   "init [TEMPLATE [DIR]]",
		Short: "Start a pipeline from a template: a commented pipeline file, secrets.toml and .gitignore",
		Long: `init writes a commented pipeline file, a secrets.toml stub and a
.gitignore into DIR (default: the current folder, made if missing):

  <TEMPLATE>_pipeline.yaml   the pipeline, ready for sluice validate and run
  secrets.toml               the secrets it reads with ${sources.<TEMPLATE>.…}
  .gitignore                 secrets.toml and database files (*.db, *.duckdb, …)

Every template, as written, loads the matching API of the local demo server
(sluice-demo-api); to load yours, change base_url (and the secrets).
Without a TEMPLATE, init lists the templates.

init never overwrites a pipeline file or a secrets.toml that exists unless
--force is given; an existing .gitignore keeps its lines and gets the
missing ones appended.`,
		Example: `  sluice init                      # list the templates
  sluice init postgrest            # into the current folder
  sluice init stac my-stac         # into ./my-stac
  sluice init github . --force     # overwrite github_pipeline.yaml and secrets.toml`,
		Args: cobra.MaximumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				listTemplates(stdout)
				return nil
			}
			t, ok := findTemplate(args[0])
			if !ok {
				return failure(stderr, &pipeline.UsageError{Msg: fmt.Sprintf("unknown template %q; the templates are: %s (sluice init lists them)", args[0], templateNames())})
			}
			dir := "."
			if len(args) == 2 {
				dir = args[1]
			}
			written, err := writeTemplate(t, dir, force)
			if err != nil {
				return failure(stderr, err)
			}
			printNextSteps(stdout, t, dir, written)
			return nil
		},
	}
	cmd.Flags().BoolVar(&force, "force", false, "overwrite the pipeline file and secrets.toml if they exist")
	return cmd
}

func listTemplates(w io.Writer) {
	fmt.Fprintln(w, "Templates (sluice init TEMPLATE [DIR]):")
	for _, t := range initTemplates {
		fmt.Fprintf(w, "  %-10s %s\n", t.Name, t.Summary)
	}
}

// writeTemplate writes t's files into dir and returns, per file, what it
// did ("created", "overwrote", "updated", "unchanged"). Nothing is written
// when a file would be overwritten without force.
func writeTemplate(t initTemplate, dir string, force bool) (map[string]string, error) {
	files, err := templateFiles(t)
	if err != nil {
		return nil, err
	}
	if fi, err := os.Stat(dir); err == nil && !fi.IsDir() {
		return nil, &pipeline.UsageError{Msg: fmt.Sprintf("%s is a file, not a folder: give the folder to write the template into", dir)}
	}
	var exist []string
	for _, f := range files {
		if f.name == ".gitignore" {
			continue
		}
		if _, err := os.Lstat(filepath.Join(dir, f.name)); err == nil {
			exist = append(exist, filepath.Join(dir, f.name))
		}
	}
	if len(exist) > 0 && !force {
		verb := "it exists"
		if len(exist) > 1 {
			verb = "they exist"
		}
		return nil, &pipeline.UsageError{Msg: fmt.Sprintf("not overwriting %s: %s; give --force to replace, or another DIR", strings.Join(exist, " and "), verb)}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("cannot make the folder %s: %w", dir, err)
	}
	done := map[string]string{}
	for _, f := range files {
		p := filepath.Join(dir, f.name)
		if f.name == ".gitignore" {
			what, err := mergeGitignore(p, f.body)
			if err != nil {
				return done, err
			}
			done[f.name] = what
			continue
		}
		what := "created"
		if _, err := os.Lstat(p); err == nil {
			what = "overwrote"
		}
		if err := os.WriteFile(p, f.body, f.perm); err != nil {
			return done, fmt.Errorf("cannot write %s: %w", p, err)
		}
		if err := os.Chmod(p, f.perm); err != nil { // WriteFile keeps an existing file's mode
			return done, fmt.Errorf("cannot set the mode of %s: %w", p, err)
		}
		done[f.name] = what
	}
	return done, nil
}

// mergeGitignore writes the template's .gitignore at p, or appends to an
// existing one the patterns it lacks.
func mergeGitignore(p string, tmpl []byte) (string, error) {
	old, err := os.ReadFile(p)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if err := os.WriteFile(p, tmpl, 0o644); err != nil {
			return "", fmt.Errorf("cannot write %s: %w", p, err)
		}
		return "created", nil
	case err != nil:
		return "", fmt.Errorf("cannot read %s: %w", p, err)
	}
	have := map[string]bool{}
	for _, l := range strings.Split(string(old), "\n") {
		have[strings.TrimSpace(l)] = true
	}
	var add []string
	for _, l := range strings.Split(string(tmpl), "\n") {
		l = strings.TrimSpace(l)
		if l != "" && !strings.HasPrefix(l, "#") && !have[l] {
			add = append(add, l)
		}
	}
	if len(add) == 0 {
		return "unchanged", nil
	}
	var b strings.Builder
	b.Write(old)
	if len(old) > 0 && !strings.HasSuffix(string(old), "\n") {
		b.WriteByte('\n')
	}
	b.WriteString("# Added by `sluice init`: secrets and loaded data.\n")
	b.WriteString(strings.Join(add, "\n") + "\n")
	if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
		return "", fmt.Errorf("cannot write %s: %w", p, err)
	}
	return "updated", nil
}

func printNextSteps(w io.Writer, t initTemplate, dir string, done map[string]string) {
	files, _ := templateFiles(t)
	fmt.Fprintf(w, "Template %s written to %s:\n", t.Name, dir)
	for _, f := range files {
		fmt.Fprintf(w, "  %-9s %-*s  %s\n", done[f.name], len(pipelineFileName(t.Name)), f.name, f.what)
	}
	yaml := pipelineFileName(t.Name)
	fmt.Fprintf(w, "\nNext: start the demo API (sluice-demo-api), or set base_url to your API; then\n")
	if filepath.Clean(dir) != "." {
		fmt.Fprintf(w, "  cd %s\n", shellQuote(dir))
	}
	fmt.Fprintf(w, "  sluice validate %s\n", yaml)
	fmt.Fprintf(w, "  sluice run %s    # writes ./%s.db\n", yaml, t.Name)
}

// shellQuote quotes s for a POSIX shell when it needs it.
func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r == '/' || r == '.' || r == '-' || r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z')
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
