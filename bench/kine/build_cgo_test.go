//go:build cgo

package kinebench

// kineBuild names the SQLite under kine in this build: with cgo, kine's
// usual build, mattn/go-sqlite3.
const kineBuild = "cgo (mattn/go-sqlite3)"
