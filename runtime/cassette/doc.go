// Package cassette records the HTTP requests of a run and their responses
// to a folder (a cassette), and answers a later run's requests from it with
// no network at all.
//
// A cassette is a folder of YAML files, one per request, named after the
// request's method, the end of its path and a hash of its redacted method,
// URL and body (get-users-1a2b3c4d5e6f.yaml); a request sent again with the
// same key gets the suffix .2, .3, … and is replayed in that order. Every
// file holds the request (method, URL, headers, body) and the response
// (status, headers, body), with JSON bodies indented, text bodies as text
// and only binary bodies in base64.
//
// Secrets are redacted before anything is written (see Scrubber): the
// values of auth headers, every value the run's redact.Redactor knows
// (everything that came from ${…} or secrets.toml, and each
// Authenticator's secrets), query parameters and form or JSON body fields
// with a secret-looking name, and the tokens of an OAuth2 token response.
// The run's base URL origin is written as {{origin}}, so a cassette
// recorded against http://127.0.0.1:41873 replays against any origin (the
// replaying run's base_url). Replaying matches a request on its redacted
// form, so a request whose secret parts were masked still finds its answer.
package cassette
