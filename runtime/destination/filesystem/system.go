package filesystem

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/sluicehq/sluice/runtime/schema"
)

// The four statements the loader reads the system tables with
// (runtime/load). Query answers these and refuses anything else.
var (
	qVersionStored = normalizeSQL(`SELECT 1 FROM "_dlt_version" WHERE "version_hash" = ? AND "schema_name" = ? LIMIT 1`)
	qStateHash     = normalizeSQL(`SELECT "version_hash" FROM "_dlt_pipeline_state" WHERE "pipeline_name" = ? ORDER BY "_dlt_load_id" DESC, "created_at" DESC LIMIT 1`)
	qSchema        = normalizeSQL(`SELECT "schema" FROM "_dlt_version" WHERE "schema_name" = ? ORDER BY "inserted_at" DESC, "version" DESC LIMIT 1`)
	qState         = normalizeSQL(`SELECT s."state", s."_dlt_load_id" FROM "_dlt_pipeline_state" AS s JOIN "_dlt_loads" AS l ON l."load_id" = s."_dlt_load_id"
WHERE s."pipeline_name" = ? AND l."status" = 0 ORDER BY l."load_id" DESC, s."created_at" DESC LIMIT 1`)
)

// systemTables are the dlt tables kept as JSON documents.
var systemTables = map[string]bool{
	schema.VersionTableName:       true,
	schema.LoadsTableName:         true,
	schema.PipelineStateTableName: true,
}

// isoLayout is how dlt (pendulum's isoformat) writes timestamps in the
// system documents.
const isoLayout = "2006-01-02T15:04:05.000000-07:00"

// filenameSeparator separates the parts of a system file's name.
const filenameSeparator = "__"

func normalizeSQL(q string) string { return strings.Join(strings.Fields(q), " ") }

// sysEntry is one document of a system table: a committed file, or a row
// of the running transaction (doc set, path empty).
type sysEntry struct {
	parts []string
	path  string
	doc   map[string]any
}

// read returns the entry's document.
func (e *sysEntry) read() (map[string]any, error) {
	if e.doc != nil {
		return e.doc, nil
	}
	data, err := os.ReadFile(e.path)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var doc map[string]any
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("%s: %w", e.path, err)
	}
	e.doc = doc
	return doc, nil
}

// splitName splits a system file name ("a__b__c.jsonl") into at most n
// parts from the right, as dlt does (rsplit with maxsplit n-1).
func splitName(name string, n int) []string {
	name = strings.TrimSuffix(name, filepath.Ext(name))
	var parts []string
	for len(parts) < n-1 {
		i := strings.LastIndex(name, filenameSeparator)
		if i < 0 {
			break
		}
		parts = append([]string{name[i+len(filenameSeparator):]}, parts...)
		name = name[:i]
	}
	return append([]string{name}, parts...)
}

// entries lists a system table's committed documents and those the
// transaction tx (nil: none) has added.
func (l *Lake) entries(tx *Tx, table string) ([]*sysEntry, error) {
	n := 3
	if table == schema.LoadsTableName {
		n = 2
	}
	dir := filepath.Join(l.dir, table)
	names, err := listFiles(dir)
	if err != nil {
		return nil, err
	}
	var out []*sysEntry
	for _, name := range names {
		if !strings.HasSuffix(name, ".jsonl") {
			continue
		}
		parts := splitName(name, n)
		if len(parts) != n {
			continue
		}
		out = append(out, &sysEntry{parts: parts, path: filepath.Join(dir, name)})
	}
	if tx != nil {
		for _, f := range tx.system {
			if f.table == table {
				out = append(out, &sysEntry{parts: f.parts, doc: f.doc})
			}
		}
	}
	return out, nil
}

// newer compares two load ids (or schema ids) as numbers, falling back to
// text when either is not one.
func newer(a, b string) bool {
	fa, ea := strconv.ParseFloat(a, 64)
	fb, eb := strconv.ParseFloat(b, 64)
	if ea == nil && eb == nil && fa != fb {
		return fa > fb
	}
	return a > b
}

// pathSafe turns a base64 version hash into the hex text dlt puts in file
// names.
func pathSafe(hash string) string {
	if hash == "" {
		return "0"
	}
	if raw, err := base64.StdEncoding.DecodeString(hash); err == nil {
		return hex.EncodeToString(raw)
	}
	return hex.EncodeToString([]byte(hash))
}

// query answers one of the loader's statements.
func (l *Lake) query(tx *Tx, query string, args []any, row func(scan func(dest ...any) error) error) error {
	q := normalizeSQL(query)
	arg := func(i int) string {
		if i < len(args) {
			if s, ok := args[i].(string); ok {
				return s
			}
			return fmt.Sprint(args[i])
		}
		return ""
	}
	switch q {
	case qVersionStored:
		es, err := l.entries(tx, schema.VersionTableName)
		if err != nil {
			return err
		}
		want := pathSafe(arg(0))
		for _, e := range es {
			if e.parts[0] == arg(1) && e.parts[2] == want {
				return row(scanner(int64(1)))
			}
		}
		return nil
	case qSchema:
		es, err := l.entries(tx, schema.VersionTableName)
		if err != nil {
			return err
		}
		e := newest(es, func(e *sysEntry) bool { return e.parts[0] == arg(0) })
		return answer(e, "schema", row)
	case qStateHash:
		es, err := l.entries(tx, schema.PipelineStateTableName)
		if err != nil {
			return err
		}
		e := newest(es, func(e *sysEntry) bool { return e.parts[0] == arg(0) })
		return answer(e, "version_hash", row)
	case qState:
		loads, err := l.entries(tx, schema.LoadsTableName)
		if err != nil {
			return err
		}
		done := make(map[string]bool, len(loads))
		for _, e := range loads {
			done[e.parts[1]] = true
		}
		es, err := l.entries(tx, schema.PipelineStateTableName)
		if err != nil {
			return err
		}
		e := newest(es, func(e *sysEntry) bool { return e.parts[0] == arg(0) && done[e.parts[1]] })
		if e == nil {
			return nil
		}
		doc, err := e.read()
		if err != nil {
			return err
		}
		return row(scanner(doc["state"], e.parts[1]))
	}
	return fmt.Errorf("filesystem: the filesystem destination has no SQL engine and answers only sluice's own reads of the _dlt_* tables; it cannot run %q", query)
}

// newest returns the entry with the highest id (second name part) that
// keep accepts, or nil.
func newest(es []*sysEntry, keep func(*sysEntry) bool) *sysEntry {
	var best *sysEntry
	for _, e := range es {
		if keep(e) && (best == nil || newer(e.parts[1], best.parts[1])) {
			best = e
		}
	}
	return best
}

// answer calls row once with the field of e's document, if e is set.
func answer(e *sysEntry, field string, row func(scan func(dest ...any) error) error) error {
	if e == nil {
		return nil
	}
	doc, err := e.read()
	if err != nil {
		return err
	}
	return row(scanner(doc[field]))
}

// scanner returns a scan function that stores values into pointers, as
// database/sql's Rows.Scan does for the types the loader reads.
func scanner(values ...any) func(dest ...any) error {
	return func(dest ...any) error {
		if len(dest) != len(values) {
			return fmt.Errorf("filesystem: scan wants %d values, the row has %d", len(dest), len(values))
		}
		for i, d := range dest {
			if err := assign(d, values[i]); err != nil {
				return err
			}
		}
		return nil
	}
}

func assign(dest, v any) error {
	if n, ok := v.(json.Number); ok {
		if i, err := n.Int64(); err == nil {
			v = i
		} else {
			v = n.String()
		}
	}
	switch d := dest.(type) {
	case *any:
		*d = v
	case **string:
		if v == nil {
			*d = nil
			return nil
		}
		s := fmt.Sprint(v)
		*d = &s
	case *string:
		if v == nil {
			return fmt.Errorf("filesystem: scanning NULL into a string")
		}
		*d = fmt.Sprint(v)
	case *int64:
		i, ok := v.(int64)
		if !ok {
			return fmt.Errorf("filesystem: scanning %T into an int64", v)
		}
		*d = i
	case *int:
		i, ok := v.(int64)
		if !ok {
			return fmt.Errorf("filesystem: scanning %T into an int", v)
		}
		*d = int(i)
	default:
		return fmt.Errorf("filesystem: cannot scan into %T", dest)
	}
	return nil
}

// systemFile is a system document the transaction writes at commit.
type systemFile struct {
	table string
	parts []string
	doc   map[string]any
}

// name is the file's name in its table folder.
func (f *systemFile) name() string { return strings.Join(f.parts, filenameSeparator) + ".jsonl" }

// systemDocs turns rows of a system table into documents named as dlt
// names them.
func systemDocs(rows *schema.TableRows) ([]*systemFile, error) {
	var out []*systemFile
	for _, r := range rows.Rows {
		doc := make(map[string]any, len(rows.Columns))
		for i, c := range rows.Columns {
			var v any
			if i < len(r) {
				v = r[i]
			}
			if t, ok := v.(time.Time); ok {
				v = t.UTC().Format(isoLayout)
			}
			doc[c] = v
		}
		str := func(k string) string {
			s, _ := doc[k].(string)
			return s
		}
		f := &systemFile{table: rows.Table, doc: doc}
		switch rows.Table {
		case schema.LoadsTableName:
			if str("load_id") == "" {
				return nil, fmt.Errorf("filesystem: a %s row needs a load_id", rows.Table)
			}
			f.parts = []string{str("schema_name"), str("load_id")}
		case schema.VersionTableName:
			id := strconv.FormatFloat(float64(time.Now().UnixMicro())/1e6, 'f', 6, 64)
			f.parts = []string{str("schema_name"), id, pathSafe(str("version_hash"))}
		case schema.PipelineStateTableName:
			// dlt's state document has no _dlt_id (its StateInfo takes
			// exactly the other columns)
			delete(doc, schema.ColID)
			f.parts = []string{str("pipeline_name"), str(schema.ColLoadID), pathSafe(str("version_hash"))}
		}
		out = append(out, f)
	}
	return out, nil
}

// encodeDoc is the file content of a system document: one JSON object.
func encodeDoc(doc map[string]any) ([]byte, error) {
	return json.Marshal(doc)
}
