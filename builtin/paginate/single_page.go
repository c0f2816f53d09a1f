package paginate

import "github.com/sluicehq/sluice/runtime/extension"

// SinglePage sends exactly one request.
type SinglePage struct{}

// SinglePageSpec describes single_page.
var SinglePageSpec = extension.Spec{
	Summary: "Fetch one page only: the first response ends the chain.",
	Fields:  map[string]string{},
}

// NewSinglePage builds a single_page paginator; it takes no arguments.
func NewSinglePage(args *extension.Args) (extension.Paginator, error) {
	return &SinglePage{}, args.Err()
}

// Init does nothing.
func (*SinglePage) Init(*extension.Request) error { return nil }

// Next reports that there is no next page.
func (*SinglePage) Next(*extension.Response, int, *extension.Request) (bool, error) {
	return false, nil
}

var _ extension.Paginator = (*SinglePage)(nil)
