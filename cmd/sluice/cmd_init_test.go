package main

import (
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sluicehq/sluice/internal/demoapi"
)

// TestInitTemplatesRun does what a new user does with every template: init
// into an empty folder, change nothing but the URL, validate, run against
// the demo API, and find the tables loaded.
func TestInitTemplatesRun(t *testing.T) {
	api := demoapi.New(demoapi.Options{Seed: 1, Users: 30, Tickets: 50})
	srv := httptest.NewServer(api)
	defer srv.Close()
	want := map[string]map[string]int64{
		"rest_api":  {"users": 30, "posts": 90, "tickets": 50},
		"postgrest": {"people": demoapi.PostgRESTPeople, "films": 12, "films__actors": -1, "people_born_1950s": -1},
		"stac":      {"collections": 3, "items": 52, "search_items": -1},
		"github":    {"issues": demoapi.GitHubIssues, "issue_comments": -1},
		"pokemon":   {"pokemon": demoapi.PokemonCount, "berry": demoapi.BerryCount, "location": demoapi.LocationCount, "pokemon_details": demoapi.PokemonCount},
	}
	for _, tmpl := range initTemplates {
		t.Run(tmpl.Name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "new")
			code, out, errs := sluice(t, "init", tmpl.Name, dir)
			if code != 0 {
				t.Fatalf("init: exit %d\n%s%s", code, out, errs)
			}
			yaml := filepath.Join(dir, tmpl.Name+"_pipeline.yaml")
			for _, f := range []string{yaml, filepath.Join(dir, "secrets.toml"), filepath.Join(dir, ".gitignore")} {
				if _, err := os.Stat(f); err != nil {
					t.Fatalf("init wrote no %s: %v\n%s", f, err, out)
				}
			}
			if !strings.Contains(out, "sluice run "+tmpl.Name+"_pipeline.yaml") {
				t.Errorf("init does not say how to run the pipeline:\n%s", out)
			}
			if code, out, errs := sluice(t, "validate", yaml); code != 0 || errs != "" {
				t.Fatalf("the template as written does not validate cleanly: exit %d\n%s%s", code, out, errs)
			}
			b, err := os.ReadFile(yaml)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(b), "http://127.0.0.1:8765/") {
				t.Fatal("the template has no base_url on the demo API's address")
			}
			edited := strings.ReplaceAll(string(b), "http://127.0.0.1:8765/", srv.URL+"/")
			if err := os.WriteFile(yaml, []byte(edited), 0o644); err != nil {
				t.Fatal(err)
			}
			db := filepath.Join(dir, tmpl.Name+".db")
			code, out, errs = sluice(t, "run", yaml, "--db", db, "--pipelines-dir", filepath.Join(dir, "state"), "--progress", "none")
			if code != 0 {
				t.Fatalf("run: exit %d\n%s%s", code, out, errs)
			}
			d := openDB(t, db)
			for table, n := range want[tmpl.Name] {
				got := count(t, d, "select count(*) from "+table)
				if n >= 0 && got != n || n < 0 && got == 0 {
					t.Errorf("%s has %d rows, want %d (-1: some)", table, got, n)
				}
			}
		})
	}
}

func TestInitCommand(t *testing.T) {
	t.Run("no template lists them", func(t *testing.T) {
		code, out, _ := sluice(t, "init")
		if code != 0 {
			t.Fatalf("exit %d", code)
		}
		for _, tmpl := range initTemplates {
			if !strings.Contains(out, "\n  "+tmpl.Name+" ") {
				t.Errorf("the list has no line for %s:\n%s", tmpl.Name, out)
			}
		}
	})
	t.Run("unknown template names the others", func(t *testing.T) {
		code, _, errs := sluice(t, "init", "graphql", t.TempDir())
		if code != exitUsage || !strings.Contains(errs, `unknown template "graphql"`) || !strings.Contains(errs, "rest_api, postgrest, stac, github, pokemon") {
			t.Errorf("exit %d, want %d, and the templates named:\n%s", code, exitUsage, errs)
		}
	})
	t.Run("refuses to overwrite without --force", func(t *testing.T) {
		dir := t.TempDir()
		yaml := filepath.Join(dir, "stac_pipeline.yaml")
		if err := os.WriteFile(yaml, []byte("mine\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		code, _, errs := sluice(t, "init", "stac", dir)
		if code != exitUsage || !strings.Contains(errs, "not overwriting "+yaml) || !strings.Contains(errs, "--force") {
			t.Errorf("exit %d, want %d and the file named:\n%s", code, exitUsage, errs)
		}
		if b, _ := os.ReadFile(yaml); string(b) != "mine\n" {
			t.Errorf("the existing file was changed: %q", b)
		}
		if _, err := os.Stat(filepath.Join(dir, "secrets.toml")); err == nil {
			t.Error("a refused init wrote secrets.toml anyway")
		}
		code, out, errs := sluice(t, "init", "stac", dir, "--force")
		if code != 0 || !strings.Contains(out, "overwrote stac_pipeline.yaml") {
			t.Errorf("--force: exit %d\n%s%s", code, out, errs)
		}
		if b, _ := os.ReadFile(yaml); string(b) == "mine\n" {
			t.Error("--force did not overwrite")
		}
	})
	t.Run("secrets.toml is private", func(t *testing.T) {
		dir := t.TempDir()
		if code, out, errs := sluice(t, "init", "github", dir); code != 0 {
			t.Fatalf("exit %d\n%s%s", code, out, errs)
		}
		fi, err := os.Stat(filepath.Join(dir, "secrets.toml"))
		if err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("secrets.toml mode %v (%v), want 0600", fi.Mode().Perm(), err)
		}
	})
	t.Run("an existing .gitignore keeps its lines", func(t *testing.T) {
		dir := t.TempDir()
		gi := filepath.Join(dir, ".gitignore")
		if err := os.WriteFile(gi, []byte("node_modules/\n*.db"), 0o644); err != nil {
			t.Fatal(err)
		}
		if code, out, errs := sluice(t, "init", "pokemon", dir); code != 0 {
			t.Fatalf("exit %d\n%s%s", code, out, errs)
		}
		b, _ := os.ReadFile(gi)
		lines := strings.Split(string(b), "\n")
		if lines[0] != "node_modules/" || strings.Count(string(b), "*.db\n") != 1 || !strings.Contains(string(b), "\nsecrets.toml\n") || !strings.Contains(string(b), "\n*.duckdb\n") {
			t.Errorf(".gitignore after init:\n%s", b)
		}
		if code, out, _ := sluice(t, "init", "pokemon", dir, "--force"); code != 0 || !strings.Contains(out, "unchanged .gitignore") {
			t.Errorf("a second init changed .gitignore again:\n%s", out)
		}
	})
	t.Run("a file as DIR", func(t *testing.T) {
		f := filepath.Join(t.TempDir(), "x")
		if err := os.WriteFile(f, nil, 0o644); err != nil {
			t.Fatal(err)
		}
		if code, _, errs := sluice(t, "init", "stac", f); code != exitUsage || !strings.Contains(errs, "is a file, not a folder") {
			t.Errorf("exit %d\n%s", code, errs)
		}
	})
}

// TestGitignoreKeepsSecretsAndData: the .gitignore names every file a run
// or a secret leaves behind.
func TestGitignoreKeepsSecretsAndData(t *testing.T) {
	b, err := templateFS.ReadFile("templates/gitignore")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"secrets.toml", "*.db", "*.db-wal", "*.db-shm", "*.duckdb", "*.duckdb.wal"} {
		if !strings.Contains(string(b), "\n"+p+"\n") {
			t.Errorf(".gitignore lacks %s", p)
		}
	}
}
