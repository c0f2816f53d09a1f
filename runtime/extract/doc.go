// Package extract turns one configured resource into a stream of pages of
// records: it builds the first request from the resource's endpoint (dlt's
// URL joining, params, headers and bodies), sends it through the HTTP
// client, picks the records with the data selector and asks the paginator
// for the next request, until the paginator stops or the page limit is hit.
//
// Each page is handed to the caller as soon as it arrives, so the records
// of a large API never sit in memory all at once.
package extract
