// Package flock takes advisory whole-file locks that end with the process:
// the filesystem destination marks a live run's staging folder with one,
// and a pipeline's state folder is locked while the pipeline runs.
package flock
