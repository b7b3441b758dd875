package storage

import (
	"context"
	"encoding/json"
	"slices"
)

// LabelRequirement is the part of a label selector a store can answer
// from an index: the label Key is present with one of Values (one value
// for key=value, several for key in (a,b)). Other requirements (!=,
// notin, exists, !exists) stay with the caller, which matches every
// object it decodes against the whole selector anyway; so the store's
// contract is small and every backend can keep it exactly.
//
// Why the store reads labels out of the value rather than being handed
// them with each write: every value a k1s store holds is an object's
// JSON, whose labels are at metadata.labels; reading them there keeps
// Create, Update and Txn as they are (no second argument every caller
// must keep in step with the bytes) and lets SQLite maintain its index
// in triggers, inside the file, so that every writer of the file, of any
// k1s version that can open it, keeps the index right.
type LabelRequirement struct {
	Key    string
	Values []string
}

// ValueLabels returns the string labels at metadata.labels of a JSON
// value; nil for a value that is not a JSON object or has no labels.
// Labels whose value is not a string are not labels (the API server
// rejects them), so they are left out, as SQLite's index leaves them.
func ValueLabels(value []byte) map[string]string {
	var v struct {
		Metadata struct {
			Labels map[string]any `json:"labels"`
		} `json:"metadata"`
	}
	if json.Unmarshal(value, &v) != nil || len(v.Metadata.Labels) == 0 {
		return nil
	}
	out := make(map[string]string, len(v.Metadata.Labels))
	for k, x := range v.Metadata.Labels {
		if s, ok := x.(string); ok {
			out[k] = s
		}
	}
	return out
}

// MatchLabels reports whether value's labels satisfy every requirement.
func MatchLabels(reqs []LabelRequirement, value []byte) bool {
	if len(reqs) == 0 {
		return true
	}
	labels := ValueLabels(value)
	for _, r := range reqs {
		v, ok := labels[r.Key]
		if !ok || !slices.Contains(r.Values, v) {
			return false
		}
	}
	return true
}

// ListFunc is a store's List.
type ListFunc func(ctx context.Context, prefix string, opts ListOptions) (ListResult, error)

// ListByScan answers a List with opts.Labels for a store without a label
// index: it lists without them and keeps the matching values. With a
// limit it reads page after page, each asking for as many values as are
// still wanted, so that the page that fills the limit ends exactly at the
// last value kept and its continue token is the answer's.
func ListByScan(ctx context.Context, list ListFunc, prefix string, opts ListOptions) (ListResult, error) {
	reqs, limit := opts.Labels, opts.Limit
	opts.Labels = nil
	var out ListResult
	for first := true; ; first = false {
		if limit > 0 {
			opts.Limit = limit - int64(len(out.Items))
		}
		page, err := list(ctx, prefix, opts)
		if err != nil {
			return ListResult{}, err
		}
		if first {
			out.Revision = page.Revision
		}
		for _, kv := range page.Items {
			if MatchLabels(reqs, kv.Value) {
				out.Items = append(out.Items, kv)
			}
		}
		out.Continue = page.Continue
		if page.Continue == "" || (limit > 0 && int64(len(out.Items)) >= limit) {
			return out, nil
		}
		// The token carries the first page's revision.
		opts.Continue, opts.Revision = page.Continue, 0
	}
}
