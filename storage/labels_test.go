package storage_test

import (
	"context"
	"errors"
	"testing"

	"github.com/k1s-dev/k1s/storage"
)

func TestValueLabels(t *testing.T) {
	for _, tc := range []struct {
		value string
		want  map[string]string
	}{
		{`{"metadata":{"labels":{"a":"1","b":"2"}}}`, map[string]string{"a": "1", "b": "2"}},
		{`{"metadata":{"labels":{"a":"1","n":3,"t":true}}}`, map[string]string{"a": "1"}},
		{`{"metadata":{"labels":["a"]}}`, nil},
		{`{"metadata":{}}`, nil},
		{`not json`, nil},
	} {
		got := storage.ValueLabels([]byte(tc.value))
		if len(got) != len(tc.want) {
			t.Errorf("ValueLabels(%s) = %v, want %v", tc.value, got, tc.want)
		}
		for k, v := range tc.want {
			if got[k] != v {
				t.Errorf("ValueLabels(%s)[%s] = %q, want %q", tc.value, k, got[k], v)
			}
		}
	}
	v := []byte(`{"metadata":{"labels":{"a":"1","b":"2"}}}`)
	for _, tc := range []struct {
		reqs []storage.LabelRequirement
		want bool
	}{
		{nil, true},
		{[]storage.LabelRequirement{{Key: "a", Values: []string{"1"}}}, true},
		{[]storage.LabelRequirement{{Key: "a", Values: []string{"2", "1"}}, {Key: "b", Values: []string{"2"}}}, true},
		{[]storage.LabelRequirement{{Key: "a", Values: []string{"1"}}, {Key: "b", Values: []string{"3"}}}, false},
		{[]storage.LabelRequirement{{Key: "c", Values: []string{"1"}}}, false},
		{[]storage.LabelRequirement{{Key: "a"}}, false},
	} {
		if got := storage.MatchLabels(tc.reqs, v); got != tc.want {
			t.Errorf("MatchLabels(%v) = %v, want %v", tc.reqs, got, tc.want)
		}
	}
}

// TestListByScanError: a page's error ends the list with it.
func TestListByScanError(t *testing.T) {
	boom := errors.New("boom")
	calls := 0
	list := func(_ context.Context, _ string, opts storage.ListOptions) (storage.ListResult, error) {
		calls++
		if opts.Labels != nil {
			t.Error("ListByScan passed the labels down")
		}
		if calls == 2 {
			return storage.ListResult{}, boom
		}
		return storage.ListResult{Items: []storage.KeyValue{{Key: "/a", Value: []byte(`{}`)}}, Revision: 7, Continue: "next"}, nil
	}
	_, err := storage.ListByScan(context.Background(), list, "/", storage.ListOptions{Limit: 1, Labels: []storage.LabelRequirement{{Key: "a", Values: []string{"1"}}}})
	if !errors.Is(err, boom) || calls != 2 {
		t.Errorf("ListByScan = %v after %d pages, want boom after 2", err, calls)
	}
}
