package paginate

import (
	"context"

	"github.com/sluicehq/sluice/runtime/extension"
)

// SinglePage sends exactly one request.
type SinglePage struct{}

// SinglePageSpec describes single_page.
var SinglePageSpec = extension.Spec{
	Summary: "Fetch one page only: the first response ends the chain.",
}

// ParseSinglePage checks that no argument is given.
func ParseSinglePage(args *extension.Args) (extension.Builder[extension.PaginatorFactory], error) {
	return stateless(&SinglePage{}), args.Err()
}

// Init does nothing.
func (*SinglePage) Init(context.Context, *extension.Request) error { return nil }

// Next reports that there is no next page.
func (*SinglePage) Next(context.Context, *extension.Response, int, *extension.Request) (bool, error) {
	return false, nil
}

var _ extension.Paginator = (*SinglePage)(nil)
