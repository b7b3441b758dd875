package storage

import "strings"

// RedactURL returns a storage URL (etcd://user:password@host/...) with
// its password replaced by mask, for errors and printed settings; a URL
// without a password is returned as it is. The etcd backend and the CLI's
// contexts both show URLs, and neither may show a password.
func RedactURL(raw, mask string) string {
	scheme, rest, ok := strings.Cut(raw, "://")
	if !ok {
		return raw
	}
	end := strings.IndexAny(rest, "/?#")
	if end < 0 {
		end = len(rest)
	}
	at := strings.LastIndex(rest[:end], "@")
	if at < 0 {
		return raw
	}
	user, _, hasPass := strings.Cut(rest[:at], ":")
	if !hasPass {
		return raw
	}
	return scheme + "://" + user + ":" + mask + rest[at:]
}
