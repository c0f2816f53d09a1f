package config

import (
	"fmt"
	"slices"
	"strings"
)

// dltPaginators and dltAuths are the types dlt's rest_api has (reference
// §1.6, §1.7). A file that names one this build lacks is a dlt file that
// sluice will run later, not a typo: notYetDLT says so.
var (
	dltPaginators = []string{"auto", "single_page", "json_link", "json_response", "header_link", "header_cursor", "cursor", "offset", "page_number"}
	dltAuths      = []string{} // all four of dlt's are built in
)

// notYetDLT returns the message for an unknown type of kind ("paginator"
// or "auth") that dlt has, and false when dlt does not have it either.
func notYetDLT(kind, typ string, known []string) (msg, hint string, ok bool) {
	names := dltPaginators
	if kind == "auth" {
		names = dltAuths
	}
	if !slices.Contains(names, typ) || slices.Contains(known, typ) {
		return "", "", false
	}
	return fmt.Sprintf("%s type %q is not in this version of sluice yet (it is dlt's; coming soon)", kind, typ),
		"this version has: " + strings.Join(known, ", "), true
}
