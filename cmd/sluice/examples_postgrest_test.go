package main

import (
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sluicehq/sluice/internal/demoapi"
)

// TestPostgRESTExample runs examples/postgrest against the demo API's
// PostgREST: people paged by Content-Range, films with their actors
// embedded, two /rpc/ functions; then an incremental run after five people
// are added, and a run with a bad JWT.
func TestPostgRESTExample(t *testing.T) {
	api := demoapi.New(demoapi.Options{Seed: 1})
	srv := httptest.NewServer(api)
	defer srv.Close()
	t.Setenv("DEMO_API_URL", srv.URL)
	t.Setenv("POSTGREST_TOKEN", demoapi.PostgRESTDemoJWT)
	dir := t.TempDir()
	db := filepath.Join(dir, "postgrest.db")

	first := runExampleDir(t, "postgrest", "postgrest.yaml", db, dir)
	if p := first.Resources["people"]; p.Pages != 5 || p.Records != demoapi.PostgRESTPeople {
		t.Errorf("people: %d pages, %d records; want 5 pages of 25 (Content-Range: …/120), 120 records", p.Pages, p.Records)
	}
	wantCounts(t, db, map[string]int64{"people": 120, "films": 12, "film_cast_size": 12})
	d := openDB(t, db)
	if n, want := count(t, d, "select count(*) from films__actors a join films f on a._dlt_parent_id = f._dlt_id"),
		count(t, d, "select sum(cast_size) from film_cast_size"); n != want || n == 0 {
		t.Errorf("films__actors has %d rows linked to their film, want %d (the sum of rpc/film_cast_size)", n, want)
	}
	if n := count(t, d, "select count(*) from films__actors where name is null or name = ''"); n != 0 {
		t.Errorf("%d embedded actors without a name", n)
	}
	if n, want := count(t, d, "select count(*) from people_born_1950s where birth_year between 1950 and 1959"),
		count(t, d, "select count(*) from people where birth_year between 1950 and 1959"); n != want || n == 0 {
		t.Errorf("rpc/people_born_between loaded %d people born in the 1950s, want %d", n, want)
	}
	if n := count(t, d, "select count(*) from people_born_1950s"); n != count(t, d, "select count(*) from people_born_1950s where birth_year between 1950 and 1959") {
		t.Errorf("rpc/people_born_between loaded people born outside the 1950s")
	}

	api.AddPeople(5)
	api.ResetStats()
	second := runExampleDir(t, "postgrest", "postgrest.yaml", db, dir)
	if got := second.Resources["people"].Records; got != 5 {
		t.Errorf("the incremental run loaded %d people, want the 5 added (the 2 at the previous maximum are dropped as already loaded)", got)
	}
	wantCounts(t, db, map[string]int64{"people": 125, "films": 12})
	log := api.RequestLog(demoapi.RoutePostgRESTTable)
	asked := false
	for _, r := range log {
		if strings.HasPrefix(r.URI, "/postgrest/people?") && strings.Contains(r.URI, "updated_at=gte.2024-12-13T02%3A00%3A00%2B00%3A00") {
			asked = true
		}
	}
	if !asked {
		t.Errorf("the second run did not ask for updated_at=gte.<the first run's maximum>: %v", log)
	}

	t.Setenv("POSTGREST_TOKEN", demoapi.PostgRESTToken("web_user", demoapi.DefaultClock)) // expired long ago
	code, _, errs := sluice(t, "run", filepath.Join("..", "..", "examples", "postgrest", "postgrest.yaml"), "--db", db, "--pipelines-dir", dir, "--progress", "none")
	if code != exitFailed || !strings.Contains(errs, "401") {
		t.Errorf("with an expired JWT: exit %d, want %d and a 401 in\n%s", code, exitFailed, errs)
	}
	wantCounts(t, db, map[string]int64{"people": 125})

	os.Unsetenv("POSTGREST_TOKEN") // t.Setenv above restores it after the test
	code, _, errs = sluice(t, "run", filepath.Join("..", "..", "examples", "postgrest", "postgrest.yaml"), "--db", db, "--pipelines-dir", dir, "--progress", "none")
	if code != exitUsage || !strings.Contains(errs, "POSTGREST_TOKEN") {
		t.Errorf("without POSTGREST_TOKEN: exit %d, want %d and the variable named in\n%s", code, exitUsage, errs)
	}
}
