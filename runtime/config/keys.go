package config

import (
	"fmt"
	"slices"
	"strings"
)

// The keys allowed at each level of the file.
var (
	topKeys         = []string{"pipeline", "source"}
	pipelineKeys    = []string{"name", "destination", "dataset", "pipelines_dir"}
	destinationKeys = []string{"type", "path", "credentials", "bucket_url", "format"}
	sourceKeys      = []string{"client", "resources", "resource_defaults"}
	clientKeys      = []string{"base_url", "headers", "auth", "paginator", "rate_limit", "concurrency", "retry", "auth_origins"}
	// clientOnlyKeys are client keys that exist nowhere else.
	clientOnlyKeys = []string{"base_url", "rate_limit", "concurrency", "retry", "auth_origins"}
	resourceKeys   = []string{
		"name", "endpoint", "table_name", "write_disposition", "primary_key", "merge_key",
		"include_from_parent", "processing_steps", "selected", "parallelized", "max_table_nesting",
		"columns", "limits", "data",
		"schema_contract", "table_format", "file_format", "references", "nested_hints", "parent_table_name",
	}
	// passThroughKeys are resource keys kept as given in Resource.Extra.
	passThroughKeys = []string{"schema_contract", "table_format", "file_format", "references", "parent_table_name"}
	// nestedHintKeys are the hints of a nested table that sluice applies;
	// nestedHintLaterKeys are those dlt has that it does not apply yet.
	nestedHintKeys      = []string{"max_table_nesting", "columns"}
	nestedHintLaterKeys = []string{
		"parent_table_name", "write_disposition", "primary_key", "merge_key", "schema_contract",
		"table_format", "file_format", "references",
	}
	defaultsKeys = slices.DeleteFunc(slices.Clone(resourceKeys), func(k string) bool { return k == "name" || k == "data" })
	endpointKeys = []string{
		"path", "method", "params", "json", "data", "headers", "paginator", "data_selector",
		"response_actions", "incremental", "auth", "parent_batch",
	}
	// endpointOnlyKeys are endpoint keys the client does not have.
	endpointOnlyKeys = []string{"path", "method", "params", "json", "data", "data_selector", "response_actions", "incremental", "parent_batch"}
	incrementalKeys  = []string{
		"cursor_path", "initial_value", "end_value", "last_value_func", "primary_key", "row_order",
		"on_cursor_value_missing", "lag", "range_start", "range_end", "allow_external_schedulers",
		"convert", "transform", "start_param", "end_param", "per_parent",
	}
	// incrementalOnlyKeys are incremental keys that are not also
	// resource or endpoint keys.
	incrementalOnlyKeys = []string{
		"cursor_path", "initial_value", "end_value", "last_value_func", "row_order",
		"on_cursor_value_missing", "lag", "range_start", "range_end", "start_param", "end_param", "per_parent",
	}
	rateLimitKeys = []string{"requests_per_second", "burst"}
	retryKeys     = []string{"max_attempts", "backoff_factor", "max_delay", "timeout"}
	limitsKeys    = []string{"timeout_ms", "memory_mb"}
	// parentBatchKeys are the keys of endpoint.parent_batch (a sluice
	// extension: several parent records in one child request).
	parentBatchKeys = []string{"size", "separator", "match"}
	// writeDispositionKeys: disposition and strategy, and the options of
	// the merge strategies (kept in Resource.WriteDispositionOptions).
	writeDispositionKeys = []string{
		"disposition", "strategy", "deduplicated", "validity_column_names", "active_record_timestamp",
		"boundary_timestamp", "row_version_column_name", "retire_absent_rows", "natural_key",
	}
	responseActionKeys = []string{"status_code", "content", "action", "js", "cel", "wasm", "config"}
	processingStepKeys = []string{"filter", "map", "flat_map", "yield_map"}
	columnHintKeys     = []string{
		"name", "data_type", "nullable", "precision", "scale", "timezone", "primary_key", "merge_key",
		"unique", "sort", "partition", "cluster", "row_key", "parent_key", "root_key", "variant",
		"hard_delete", "dedup_sort", "incremental", "description",
	}
)

// level names a kind of object for the unknown-key check.
type level int

const (
	lvTop level = iota
	lvPipeline
	lvDestination
	lvSource
	lvClient
	lvResource
	lvDefaults
	lvEndpoint
	lvIncremental
	lvRateLimit
	lvRetry
	lvLimits
	lvWriteDisposition
	lvResponseAction
	lvProcessingStep
	lvColumn
	lvNestedHint
	lvParentBatch
)

func (lv level) allowed() []string {
	switch lv {
	case lvTop:
		return topKeys
	case lvPipeline:
		return pipelineKeys
	case lvDestination:
		return destinationKeys
	case lvSource:
		return sourceKeys
	case lvClient:
		return clientKeys
	case lvResource:
		return resourceKeys
	case lvDefaults:
		return defaultsKeys
	case lvEndpoint:
		return endpointKeys
	case lvIncremental:
		return incrementalKeys
	case lvRateLimit:
		return rateLimitKeys
	case lvRetry:
		return retryKeys
	case lvLimits:
		return limitsKeys
	case lvWriteDisposition:
		return writeDispositionKeys
	case lvResponseAction:
		return responseActionKeys
	case lvProcessingStep:
		return processingStepKeys
	case lvColumn:
		return columnHintKeys
	case lvNestedHint:
		return nestedHintKeys
	case lvParentBatch:
		return parentBatchKeys
	}
	return nil
}

// misplaced explains where a key that does not belong at lv goes instead;
// parent is the path of the object that holds it. It returns "" when the
// key belongs nowhere we know of.
func (lv level) misplaced(key, parent string) string {
	in := func(set []string) bool { return slices.Contains(set, key) }
	switch lv {
	case lvTop:
		switch {
		case in(sourceKeys):
			return fmt.Sprintf("%s belongs inside source: move it to source.%s", key, key)
		case in(pipelineKeys):
			return fmt.Sprintf("%s belongs inside pipeline: move it to pipeline.%s", key, key)
		}
	case lvPipeline:
		switch {
		case in(sourceKeys):
			return fmt.Sprintf("%s belongs inside source, not pipeline: move it to source.%s", key, key)
		case in(clientKeys):
			return fmt.Sprintf("%s is a client setting: move it to source.client.%s", key, key)
		}
	case lvSource:
		switch {
		case in(pipelineKeys):
			return fmt.Sprintf("%s belongs inside pipeline: move it to pipeline.%s", key, key)
		case in(clientKeys):
			return fmt.Sprintf("%s is a client setting: move it to source.client.%s", key, key)
		case in(defaultsKeys):
			return fmt.Sprintf("%s is a resource field: set it on a resource, or for every resource in source.resource_defaults.%s", key, key)
		case in(endpointKeys):
			return fmt.Sprintf("%s is an endpoint field: set it in a resource's endpoint, or for every resource in source.resource_defaults.endpoint.%s", key, key)
		}
	case lvClient:
		switch {
		case key == "session":
			return "session is a Python object in dlt; sluice configures the HTTP client with retry, rate_limit and concurrency"
		case in(endpointOnlyKeys):
			return fmt.Sprintf("the client has no %s: set it in each resource's endpoint, or for every resource in source.resource_defaults.endpoint.%s", key, key)
		case in(defaultsKeys):
			return fmt.Sprintf("%s is a resource field: set it on a resource, or for every resource in source.resource_defaults.%s", key, key)
		}
	case lvResource, lvDefaults:
		switch {
		case key == "name" && lv == lvDefaults:
			return "resource_defaults applies to every resource, so it cannot set a name"
		case in(endpointKeys):
			return fmt.Sprintf("%s belongs inside endpoint: move it to %s", key, childPath(childPath(parent, "endpoint"), key))
		case in(clientOnlyKeys):
			return fmt.Sprintf("%s is a client setting: move it to source.client.%s", key, key)
		case in(incrementalOnlyKeys):
			return fmt.Sprintf("%s belongs inside endpoint.incremental: move it to %s", key,
				childPath(childPath(childPath(parent, "endpoint"), "incremental"), key))
		}
	case lvEndpoint:
		res := parentOf(parent, "endpoint")
		switch {
		case in(resourceKeys) && res != parent:
			return fmt.Sprintf("%s is a resource field, not an endpoint one: move it up to %s", key, childPath(res, key))
		case in(clientOnlyKeys):
			return fmt.Sprintf("%s is a client setting: move it to source.client.%s", key, key)
		case in(incrementalOnlyKeys):
			return fmt.Sprintf("%s belongs inside incremental: move it to %s", key, childPath(childPath(parent, "incremental"), key))
		}
	case lvIncremental:
		if in(endpointKeys) {
			return fmt.Sprintf("%s is an endpoint field: move it up to %s", key, childPath(parentOf(parent, "incremental"), key))
		}
	}
	return ""
}

// otherKeys are the keys that lv's misplaced knows about, for "did you
// mean" across levels.
func (lv level) otherKeys() []string {
	switch lv {
	case lvTop:
		return slices.Concat(sourceKeys, pipelineKeys)
	case lvPipeline:
		return slices.Concat(sourceKeys, clientKeys)
	case lvSource:
		return slices.Concat(pipelineKeys, clientKeys, defaultsKeys, endpointKeys)
	case lvClient:
		return slices.Concat(endpointOnlyKeys, defaultsKeys)
	case lvResource, lvDefaults:
		return slices.Concat(endpointKeys, clientOnlyKeys, incrementalOnlyKeys)
	case lvEndpoint:
		return slices.Concat(resourceKeys, clientOnlyKeys, incrementalOnlyKeys)
	case lvIncremental:
		return endpointKeys
	}
	return nil
}

// checkKeys reports every key of o that lv does not allow, with a hint:
// where the key belongs if it sits at the wrong level, or the nearest
// allowed key if it looks like a typo.
func (p *parser) checkKeys(o *object, lv level) {
	allowed := lv.allowed()
	for _, k := range o.keys {
		if slices.Contains(allowed, k) {
			continue
		}
		if lv == lvColumn && strings.HasPrefix(k, "x-") {
			continue
		}
		kn := o.key[k]
		path := p.origin[kn]
		if path == "" {
			path = childPath(o.path, k)
		}
		parent := parentOf(path, k)
		hint := lv.misplaced(k, parent)
		if hint == "" {
			if c, ok := closest(k, allowed); ok {
				hint = fmt.Sprintf("did you mean %q?", c)
			} else if c, ok := closest(k, lv.otherKeys()); ok {
				hint = fmt.Sprintf("did you mean %q? %s", c, lv.misplaced(c, parent))
			} else {
				hint = "allowed fields here: " + strings.Join(allowed, ", ")
			}
		}
		p.atPath(path, kn, fmt.Sprintf("unknown field %q", k), hint)
	}
}
