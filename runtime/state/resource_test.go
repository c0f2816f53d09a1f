package state

import (
	"encoding/json"
	"reflect"
	"testing"
)

func TestResourceValues(t *testing.T) {
	s := New("p")
	if s.ResourceKV("rest_api", "users") != nil {
		t.Fatal("a new state has a kv")
	}
	s.SetResourceValue("rest_api", "users", KVKey, map[string]any{"cursor": "abc"})
	s.SetResourceValue("rest_api", "orders", "other", 1.0)
	b, err := s.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	back, err := Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	if got := back.ResourceKV("rest_api", "users"); !reflect.DeepEqual(got, map[string]any{"cursor": "abc"}) {
		t.Fatalf("kv after a round trip = %v", got)
	}
	if got := back.ResourceState("rest_api", "orders")["other"]; got != json.Number("1") {
		t.Fatalf("orders.other = %#v, want the number as stored", got)
	}
	// an integer beyond 2^53 (a snowflake id cursor) comes back exact
	s.SetResourceValue("rest_api", "orders", "big", json.Number("1234567890123456789"))
	b, _ = s.Marshal()
	if back, err = Parse(b); err != nil {
		t.Fatal(err)
	}
	if got := back.ResourceState("rest_api", "orders")["big"]; got != json.Number("1234567890123456789") {
		t.Fatalf("big = %#v", got)
	}
	back.SetResourceValue("rest_api", "users", KVKey, nil)
	if back.ResourceKV("rest_api", "users") != nil {
		t.Fatal("deleting the kv left it")
	}
	back.SetResourceValue("rest_api", "nobody", KVKey, nil) // no panic, nothing created
	if back.ResourceState("rest_api", "nobody") != nil {
		t.Fatal("deleting from a missing resource created it")
	}
}
