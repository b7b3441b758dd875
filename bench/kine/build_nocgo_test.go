//go:build !cgo

package kinebench

// kineBuild names the SQLite under kine in this build: without cgo, kine
// falls back to modernc.org/sqlite, the driver k1s uses.
const kineBuild = "pure Go (modernc.org/sqlite)"
