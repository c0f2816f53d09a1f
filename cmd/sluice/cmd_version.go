package main

import (
	"fmt"
	"io"
	"runtime"
	"strings"

	"github.com/spf13/cobra"
)

func newVersionCmd(stdout io.Writer) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version, the commit and the destinations of this build",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			fmt.Fprintf(stdout, "sluice %s\ncommit: %s\ngo: %s %s/%s\ndestinations: %s\n",
				version, commit, runtime.Version(), runtime.GOOS, runtime.GOARCH, strings.Join(destinations().Names(), ", "))
			return nil
		},
	}
}
