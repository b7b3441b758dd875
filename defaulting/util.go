package defaulting

import (
	"sort"
	"strconv"
)

func indexPath(path string, i int) string {
	return path + "[" + strconv.Itoa(i) + "]"
}

func sortStrings(s []string) { sort.Strings(s) }
