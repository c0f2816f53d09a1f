package main

import (
	"net/http/httptest"
	"path/filepath"
	"testing"

	"github.com/sluicehq/sluice/internal/demoapi"
)

// TestPokemonExample runs examples/pokemon against the demo API's PokéAPI:
// three lists paged by their next URL and a detail request per pokemon.
func TestPokemonExample(t *testing.T) {
	api := demoapi.New(demoapi.Options{Seed: 1})
	srv := httptest.NewServer(api)
	defer srv.Close()
	t.Setenv("DEMO_API_URL", srv.URL)
	dir := t.TempDir()
	db := filepath.Join(dir, "pokemon.db")
	r := runExampleDir(t, "pokemon", "pokemon.yaml", db, dir)
	if p := r.Resources["pokemon"].Pages; p != 4 {
		t.Errorf("pokemon: %d pages, want 4 (151 names, 50 a page)", p)
	}
	wantCounts(t, db, map[string]int64{
		"pokemon": demoapi.PokemonCount, "berry": demoapi.BerryCount, "location": demoapi.LocationCount,
		"pokemon_details": demoapi.PokemonCount, "pokemon_details__stats": 4 * demoapi.PokemonCount,
	})
	d := openDB(t, db)
	if n := count(t, d, "select count(*) from pokemon p join pokemon_details x on x.name = p.name"); n != demoapi.PokemonCount {
		t.Errorf("%d pokemon have their details, want %d", n, demoapi.PokemonCount)
	}
	if n := count(t, d, "select count(*) from pokemon_details__types t join pokemon_details x on t._dlt_parent_id = x._dlt_id where t.slot = 1"); n != demoapi.PokemonCount {
		t.Errorf("%d pokemon have a first type, want %d", n, demoapi.PokemonCount)
	}
}
