package main

import (
	"fmt"

	"github.com/spf13/pflag"

	"github.com/sluicehq/sluice/runtime/cassette"
	"github.com/sluicehq/sluice/runtime/config"
	"github.com/sluicehq/sluice/runtime/httpclient"
	"github.com/sluicehq/sluice/runtime/pipeline"
	"github.com/sluicehq/sluice/runtime/redact"
)

// cassetteFlags are run's --record and --replay.
type cassetteFlags struct {
	record string
	replay string
}

func addCassetteFlags(f *pflag.FlagSet, fl *cassetteFlags) {
	f.StringVar(&fl.record, "record", "", "write every request and its response to a cassette in DIR, secrets redacted (one YAML file per request)")
	f.StringVar(&fl.replay, "replay", "", "answer every request from the cassette in DIR, with no network; a request it lacks fails the run")
}

// apply sets o's transport to a recorder or a replayer when a flag asks
// for one.
func (fl *cassetteFlags) apply(f *config.File, red *redact.Redactor, o *pipeline.Options) error {
	if fl.record != "" && fl.replay != "" {
		return &pipeline.UsageError{Msg: "--record and --replay exclude each other: record a cassette once, then replay it"}
	}
	co := cassetteOptions(f, red)
	switch {
	case fl.record != "":
		next := o.Transport
		if next == nil {
			next = httpclient.NewTransport()
		}
		rec, err := cassette.NewRecorder(fl.record, next, co)
		if err != nil {
			return &pipeline.UsageError{Msg: err.Error()}
		}
		o.Transport = rec
	case fl.replay != "":
		rp, err := cassette.Load(fl.replay, co)
		if err != nil {
			return &pipeline.UsageError{Msg: fmt.Sprintf("--replay: %v", err)}
		}
		o.Transport = rp
		o.NoWait = true
	}
	return nil
}

// cassetteOptions are the recorder's and the replayer's options for a
// pipeline file: its redactor and its base_url's origin.
func cassetteOptions(f *config.File, red *redact.Redactor) cassette.Options {
	co := cassette.Options{Redactor: red}
	if base, err := httpclient.Origin(f.Source.Client.BaseURL); err == nil {
		co.BaseOrigin = base
	}
	return co
}
