package schema

// The dlt system tables, with dlt's column order (dlt/common/schema/utils.py:
// version_table, loads_table, pipeline_state_table). Column order is part of
// the contract: dlt never reorders these tables.

func sysCol(name string, t DataType, nullable bool) *Column {
	return &Column{Name: name, DataType: t, Nullable: nullable}
}

func sysTable(name, disposition, description string, cols ...*Column) *Table {
	t := NewTable(name, "")
	t.WriteDisposition = disposition
	t.Resource = name
	t.Description = description
	for _, c := range cols {
		t.AddColumn(c)
	}
	return t
}

// VersionTable is `_dlt_version`: one row per stored schema version.
func VersionTable() *Table {
	return sysTable(VersionTableName, Skip, "Created by DLT. Tracks schema updates",
		sysCol("version", Bigint, false),
		sysCol("engine_version", Bigint, false),
		sysCol("inserted_at", Timestamp, false),
		sysCol("schema_name", Text, false),
		sysCol("version_hash", Text, false),
		sysCol("schema", Text, false),
	)
}

// LoadsTable is `_dlt_loads`: one row per completed load (status 0).
func LoadsTable() *Table {
	return sysTable(LoadsTableName, Skip, "Created by DLT. Tracks completed loads",
		sysCol("load_id", Text, false),
		sysCol("schema_name", Text, true),
		sysCol("status", Bigint, false),
		sysCol("inserted_at", Timestamp, false),
		sysCol("schema_version_hash", Text, true),
	)
}

// PipelineStateTable is `_dlt_pipeline_state`: one row per load that changed
// the pipeline state; `state` is base64(zlib(JSON)).
func PipelineStateTable() *Table {
	id := sysCol(ColID, Text, false)
	id.Unique = true
	id.RowKey = true
	return sysTable(PipelineStateTableName, Append, "Created by DLT. Tracks pipeline state",
		sysCol("version", Bigint, false),
		sysCol("engine_version", Bigint, false),
		sysCol("pipeline_name", Text, false),
		sysCol("state", Text, false),
		sysCol("created_at", Timestamp, false),
		sysCol("version_hash", Text, true),
		sysCol(ColLoadID, Text, false),
		id,
	)
}

// CreateChange returns the CreateTable change for all complete columns of t.
func CreateChange(t *Table) Change {
	ch := Change{Kind: CreateTable, Table: t.Name, Parent: t.Parent}
	for _, c := range t.Columns {
		if c.Complete() {
			ch.Columns = append(ch.Columns, *c)
		}
	}
	return ch
}
