package storage

import "testing"

func TestRedactURL(t *testing.T) {
	for in, want := range map[string]string{
		"etcd://u:pw@h:2379/p?x=1": "etcd://u:MASK@h:2379/p?x=1",
		"etcd://u@h:2379":          "etcd://u@h:2379",
		"etcd://h:2379":            "etcd://h:2379",
		"/a/b.db":                  "/a/b.db",
		"etcds://a:b@h1,h2":        "etcds://a:MASK@h1,h2",
		"etcd://h/p@q":             "etcd://h/p@q",
	} {
		if got := RedactURL(in, "MASK"); got != want {
			t.Errorf("RedactURL(%q) = %q, want %q", in, got, want)
		}
	}
}
