//go:build wasip1

// Command all is a test guest that implements every hook; its config and
// the records it gets choose what it does, so the engine's tests can drive
// every path (including misbehaviour) with one module.
package main

import (
	"errors"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/sluicehq/sluice/hostapi/guest"
)

var sink [][]byte

func init() {
	guest.Describe("all", "0.1.0")
	guest.Map(func(rec map[string]any) (map[string]any, error) {
		switch guest.ConfigString("mode") {
		case "hash":
			for _, f := range guest.ConfigStrings("fields") {
				if s, ok := rec[f].(string); ok {
					rec[f] = guest.Sha256(s)
				}
			}
			return rec, nil
		case "host":
			rec["sha"] = guest.Sha256("abc")
			rec["hmac"] = guest.HmacSha256("k", "abc")
			h, err := guest.HmacSha256Hex(guest.Hex("k"), "abc")
			if err != nil {
				return nil, err
			}
			rec["hmac_hex"] = h
			rec["b64"] = guest.Base64("hello")
			rec["hex"] = guest.Hex("hi")
			rec["now"] = guest.Now()
			rec["go_now"] = time.Now().UTC().Format(time.RFC3339)
			n, _ := guest.KVGet("n")
			c, _ := guest.Number(n)
			if err := guest.KVSet("n", int64(c)+1); err != nil {
				return nil, err
			}
			rec["kv_before"] = n
			guest.Log(guest.LevelInfo, "hello from the guest")
			return rec, nil
		}
		if _, ok := rec["fail"]; ok {
			return nil, errors.New("asked to fail")
		}
		if _, ok := rec["panic"]; ok {
			panic("asked to panic")
		}
		if _, ok := rec["loop"]; ok {
			for {
			}
		}
		if _, ok := rec["hog"]; ok {
			for {
				sink = append(sink, make([]byte, 1<<20))
			}
		}
		if _, ok := rec["escape"]; ok {
			b, err := os.ReadFile("/etc/passwd")
			rec["got"] = string(b)
			if err != nil {
				rec["err"] = err.Error()
			}
			rec["env"] = strings.Join(os.Environ(), ",")
			return rec, nil
		}
		rec["seen"] = true
		if n, ok := guest.Number(rec["id"]); ok {
			rec["id10"] = int64(n) * 10
		}
		return rec, nil
	})
	guest.Filter(func(rec map[string]any) (bool, error) {
		if _, ok := rec["fail"]; ok {
			return false, errors.New("asked to fail")
		}
		n, ok := guest.Number(rec[guest.ConfigString("field")])
		if !ok {
			return false, nil
		}
		if lo, ok := guest.ConfigNumber("min"); ok && n < lo {
			return false, nil
		}
		if hi, ok := guest.ConfigNumber("max"); ok && n > hi {
			return false, nil
		}
		return true, nil
	})
	guest.FlatMap(func(rec map[string]any) ([]map[string]any, error) {
		tags, _ := rec["tags"].([]any)
		out := make([]map[string]any, 0, len(tags))
		for _, t := range tags {
			out = append(out, map[string]any{"id": rec["id"], "tag": t})
		}
		return out, nil
	})
	guest.Paginator(pageInit, pageNext)
	guest.Auth(func(req guest.Request) (guest.Changes, error) {
		sig := guest.HmacSha256(guest.ConfigString("secret_key"), req.Method+" "+req.Path+" "+req.Body)
		return guest.Changes{SetHeaders: map[string]string{"X-Signature": sig}, SetQuery: map[string]string{"signed": "1"}}, nil
	})
	guest.ResponseAction(func(resp guest.Response) (string, error) {
		body, _ := resp.Body.(map[string]any)
		if body[guest.ConfigString("path")] != nil {
			return guest.ConfigString("action"), nil
		}
		return guest.Continue, nil
	})
	guest.Convert(func(v any) (any, error) {
		s, ok := v.(string)
		if !ok {
			return nil, errors.New("want a string")
		}
		t, err := time.Parse(time.RFC3339, s)
		if err != nil {
			return nil, err
		}
		return t.Unix(), nil
	})
}

func pageInit(req guest.Request) (*guest.Patch, error) {
	switch guest.ConfigString("mode") {
	case "offset":
		return &guest.Patch{Params: map[string]string{"offset": "0", "limit": "2"}}, nil
	case "page":
		return &guest.Patch{Params: map[string]string{"page": "1"}}, nil
	case "post":
		body, _ := guest.Decode([]byte(req.Body))
		m, _ := body.(map[string]any)
		m["page"] = map[string]any{"offset": int64(0), "limit": int64(2)}
		return &guest.Patch{JSON: m}, nil
	}
	return nil, nil
}

func pageNext(resp guest.Response, req guest.Request, records int, state map[string]any) (*guest.Patch, error) {
	body, _ := resp.Body.(map[string]any)
	switch guest.ConfigString("mode") {
	case "next":
		if s, ok := body["next"].(string); ok && s != "" {
			return &guest.Patch{URL: s}, nil
		}
	case "link":
		l := resp.Headers["link"]
		if i := strings.Index(l, `>; rel="next"`); i > 0 {
			return &guest.Patch{URL: l[strings.LastIndex(l[:i], "<")+1 : i]}, nil
		}
	case "none":
	case "offset":
		off, _ := guest.Number(state["offset"])
		off += 2
		state["offset"] = off
		total, _ := guest.Number(body["total"])
		if off < total {
			return &guest.Patch{Params: map[string]string{"offset": strconv.Itoa(int(off)), "limit": "2"}}, nil
		}
	case "page":
		p, ok := guest.Number(state["page"])
		if !ok {
			p = 1
		}
		p++
		state["page"] = p
		tp, _ := guest.Number(body["total_pages"])
		if records > 0 && p <= tp {
			return &guest.Patch{Params: map[string]string{"page": strconv.Itoa(int(p))}}, nil
		}
	case "cursor":
		if c, ok := body["next_cursor"].(string); ok {
			return &guest.Patch{Params: map[string]string{"cursor": c}}, nil
		}
	case "header":
		if v := resp.Headers[strings.ToLower(guest.ConfigString("header"))]; v != "" {
			return &guest.Patch{Params: map[string]string{guest.ConfigString("param"): v}}, nil
		}
	case "post":
		cr := resp.Headers["content-range"]
		total, _ := strconv.Atoi(cr[strings.Index(cr, "/")+1:])
		off, _ := guest.Number(state["offset"])
		off += 2
		state["offset"] = off
		if int(off) < total {
			b, _ := guest.Decode([]byte(req.Body))
			m, _ := b.(map[string]any)
			m["page"] = map[string]any{"offset": int64(off), "limit": int64(2)}
			return &guest.Patch{JSON: m}, nil
		}
	}
	return nil, nil
}

func main() {}
