package main

import (
	"fmt"
	"io"
	"runtime"
	"strings"

	"github.com/spf13/cobra"
)

// destinations lists what this build can load into; a DuckDB build adds
// itself here.
var destinations = []string{"sqlite"}

func newVersionCmd(stdout io.Writer) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version, the commit and the destinations of this build",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			fmt.Fprintf(stdout, "sluice %s\ncommit: %s\ngo: %s %s/%s\ndestinations: %s\n",
				version, commit, runtime.Version(), runtime.GOOS, runtime.GOARCH, strings.Join(destinations, ", "))
			return nil
		},
	}
}
