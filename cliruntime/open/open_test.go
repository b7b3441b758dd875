package open_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/k1s-dev/k1s/cliruntime"
	"github.com/k1s-dev/k1s/cliruntime/open"
	"github.com/k1s-dev/k1s/cliruntime/open/etcdopen"
	"github.com/k1s-dev/k1s/storage/etcd/etcdtest"
)

func TestSession(t *testing.T) {
	srv := etcdtest.Start(t)
	dir := t.TempDir()
	for _, tc := range []struct {
		name  string
		flags cliruntime.GlobalFlags
	}{
		{"sqlite", cliruntime.GlobalFlags{Data: filepath.Join(dir, "new", "dir", "k1s.db"), WorkDir: dir}},
		{"etcd", cliruntime.GlobalFlags{Storage: srv.URL(), Tenant: "open-test", WorkDir: dir}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("K1S_CACHE_DIR", t.TempDir())
			s, err := etcdopen.Session(context.Background(), &tc.flags)
			if err != nil {
				t.Fatal(err)
			}
			defer func() {
				if err := s.Close(); err != nil {
					t.Error(err)
				}
			}()
			ns := &unstructured.UnstructuredList{}
			ns.SetAPIVersion("v1")
			ns.SetKind("NamespaceList")
			if err := s.Client.List(context.Background(), ns); err != nil {
				t.Fatal(err)
			}
			if len(ns.Items) != 1 || ns.Items[0].GetName() != "default" {
				t.Errorf("namespaces = %v, want just default", ns.Items)
			}
			if _, err := s.Registry.ResolveOne("configmaps"); err != nil {
				t.Error(err)
			}
			if w := s.Warnings(); len(w) != 0 {
				t.Errorf("warnings: %v", w)
			}
		})
	}
}

func TestStorageErrors(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("HOME", "")
	t.Setenv("XDG_DATA_HOME", "")
	for _, tc := range []struct {
		flags cliruntime.GlobalFlags
		want  string
	}{
		{cliruntime.GlobalFlags{WorkDir: dir}, "no per-user data directory"},
		{cliruntime.GlobalFlags{Storage: "bogus://x"}, `unsupported --storage "bogus://x"`},
		{cliruntime.GlobalFlags{Storage: "etcd://h:1"}, "--storage etcd://h:1: this program has no etcd client; k1s-etcd, built and installed with k1s, is the one that opens etcd"},
		{cliruntime.GlobalFlags{Data: dir}, ""},
		{cliruntime.GlobalFlags{Data: filepath.Join(dir, "file", "x.db")}, "data directory"},
	} {
		if tc.flags.Data != "" && strings.HasSuffix(tc.flags.Data, "x.db") {
			if err := writeFile(filepath.Join(dir, "file")); err != nil {
				t.Fatal(err)
			}
		}
		_, err := open.Session(context.Background(), &tc.flags)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Session(%+v) = %v, want an error containing %q", tc.flags, err, tc.want)
		}
	}
}

// TestSessionWithoutPluginDirs: with no plugin directory at all (no
// flags, no project, no per-user directory) the session has built-in
// types only and no manifest warnings to report.
func TestSessionWithoutPluginDirs(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("HOME", "")
	t.Setenv("XDG_CONFIG_HOME", "")
	t.Setenv("XDG_CACHE_HOME", "")
	flags := cliruntime.GlobalFlags{Data: filepath.Join(dir, "k1s.db"), WorkDir: dir}
	if paths := flags.PluginPaths(); len(paths) != 0 {
		t.Fatalf("plugin paths %v, want none", paths)
	}
	s, err := open.Session(context.Background(), &flags)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = s.Close() }()
	if s.Warnings != nil {
		t.Errorf("Warnings = %v, want nil without discovery", s.Warnings())
	}
	if _, err := s.Registry.ResolveOne("configmaps"); err != nil {
		t.Error(err)
	}
}

func TestEtcdSessionErrors(t *testing.T) {
	_, err := etcdopen.Session(context.Background(), &cliruntime.GlobalFlags{Storage: "etcd://"})
	if err == nil || !strings.Contains(err.Error(), "etcd") {
		t.Errorf("Session(etcd://) = %v, want an error about the URL", err)
	}
}
