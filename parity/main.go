package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/rogpeppe/go-internal/txtar"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

type options struct {
	k1s        string
	kubectl    string
	kubeconfig string
	filter     *regexp.Regexp
	verbose    bool
	local      bool
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("parity", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o options
	var filter string
	fs.StringVar(&o.k1s, "k1s", "bin/k1s", "the k1s `binary` to test")
	fs.StringVar(&o.kubectl, "kubectl", defaultKubectl(), "the kubectl `binary` to compare with")
	fs.StringVar(&o.kubeconfig, "kubeconfig", os.Getenv("KUBECONFIG"), "kubeconfig of the oracle API server")
	fs.StringVar(&filter, "run", "", "run only the scenarios whose name matches `regexp`")
	fs.BoolVar(&o.verbose, "v", false, "print both transcripts of every scenario")
	fs.BoolVar(&o.local, "local", false, "run only the k1s side and print its transcripts (no oracle needed)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	re, err := regexp.Compile(filter)
	if err != nil {
		_, _ = fmt.Fprintf(stderr, "parity: -run: %v\n", err)
		return 2
	}
	o.filter = re
	if o.kubeconfig == "" && !o.local {
		_, _ = fmt.Fprintln(stderr, "parity: no kubeconfig: export KUBECONFIG=$(../shared/oracle/start.sh)")
		return 2
	}
	if o.k1s, err = filepath.Abs(o.k1s); err != nil {
		_, _ = fmt.Fprintln(stderr, "parity:", err)
		return 2
	}
	files := fs.Args()
	if len(files) == 0 {
		files, _ = filepath.Glob("parity/scenarios/*.txtar")
	}
	same, differ := 0, 0
	prefix := fmt.Sprintf("p%d", time.Now().Unix()%100000)
	for i, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".txtar")
		if !o.filter.MatchString(name) {
			continue
		}
		sc, err := load(file, fmt.Sprintf("%s-%d", prefix, i), name)
		if err != nil {
			_, _ = fmt.Fprintf(stderr, "parity: %s: %v\n", file, err)
			return 2
		}
		if o.local {
			t, err := o.localTranscript(sc)
			if err != nil {
				_, _ = fmt.Fprintf(stderr, "parity: %s: %v\n", name, err)
				return 2
			}
			_, _ = fmt.Fprintf(stdout, "=== %s\n%s", name, t)
			continue
		}
		ok, report, err := o.compare(sc)
		if err != nil {
			_, _ = fmt.Fprintf(stderr, "parity: %s: %v\n", name, err)
			return 2
		}
		if ok {
			same++
			_, _ = fmt.Fprintf(stdout, "same    %s\n", name)
		} else {
			differ++
			_, _ = fmt.Fprintf(stdout, "differ  %s\n%s\n", name, indent(report))
		}
		if o.verbose && ok {
			_, _ = fmt.Fprintln(stdout, indent(report))
		}
	}
	if o.local {
		return 0
	}
	_, _ = fmt.Fprintf(stdout, "%d same, %d differ\n", same, differ)
	if differ > 0 {
		return 1
	}
	return 0
}

// defaultKubectl is a kubectl of the oracle's version when one was built
// beside it (k1s follows the kubectl code of the Kubernetes release whose
// libraries it links, v1.37), else the kubectl on PATH.
func defaultKubectl() string {
	home, _ := os.UserHomeDir()
	dir := os.Getenv("K1S_ORACLE_DIR")
	if dir == "" {
		dir = filepath.Join(home, ".cache", "k1s-oracle")
	}
	if p := filepath.Join(dir, "bin", "kubectl"); fileExists(p) {
		return p
	}
	return "kubectl"
}

func fileExists(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && !fi.IsDir()
}

func indent(s string) string {
	return "    " + strings.ReplaceAll(strings.TrimRight(s, "\n"), "\n", "\n    ")
}

// scenario is one loaded scenario, its variables already replaced.
type scenario struct {
	name     string
	ns       string
	prefix   string
	commands [][]string // each: the command word, then its arguments
	files    map[string][]byte
	crds     []string
	// shared are the CRDs read from parity/testdata (Gateway API's):
	// other users of the oracle may have them too, so cleanup leaves
	// them installed.
	shared map[string]bool
}

func load(path, prefix, name string) (*scenario, error) {
	a, err := txtar.ParseFile(path)
	if err != nil {
		return nil, err
	}
	ns := prefix + "-" + name
	if len(ns) > 63 {
		ns = ns[:63]
	}
	ns = strings.TrimRight(ns, "-")
	subst := strings.NewReplacer("$NS", ns, "$P", prefix)
	sc := &scenario{name: name, ns: ns, prefix: prefix, files: map[string][]byte{}, shared: map[string]bool{}}
	for _, f := range a.Files {
		sc.files[f.Name] = []byte(subst.Replace(string(f.Data)))
	}
	for n, line := range strings.Split(string(a.Comment), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		words, err := split(subst.Replace(line))
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", n+1, err)
		}
		switch words[0] {
		case "k":
			sc.commands = append(sc.commands, words)
		case "crd":
			if len(words) != 2 {
				return nil, fmt.Errorf("line %d: usage: crd FILE", n+1)
			}
			f := words[1]
			if _, ok := sc.files[f]; !ok {
				// A CRD too big for a scenario: parity/testdata/FILE.
				data, err := os.ReadFile(filepath.Join(filepath.Dir(path), "..", "testdata", f))
				if err != nil {
					return nil, fmt.Errorf("line %d: no file %s in the archive or in parity/testdata: %w", n+1, f, err)
				}
				f = filepath.Base(f)
				sc.files[f], sc.shared[f] = data, true
			}
			sc.crds = append(sc.crds, f)
		default:
			return nil, fmt.Errorf("line %d: unknown command %q", n+1, words[0])
		}
	}
	return sc, nil
}

// split splits a command line as a shell would, for single and double
// quotes and backslash escapes inside double quotes.
func split(line string) ([]string, error) {
	var words []string
	var cur strings.Builder
	inWord, quote := false, byte(0)
	for i := 0; i < len(line); i++ {
		ch := line[i]
		switch {
		case quote == '\'':
			if ch == '\'' {
				quote = 0
			} else {
				cur.WriteByte(ch)
			}
		case quote == '"':
			switch {
			case ch == '"':
				quote = 0
			case ch == '\\' && i+1 < len(line) && strings.IndexByte(`"\$`, line[i+1]) >= 0:
				i++
				cur.WriteByte(line[i])
			default:
				cur.WriteByte(ch)
			}
		case ch == '\'' || ch == '"':
			quote, inWord = ch, true
		case ch == ' ' || ch == '\t':
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
		default:
			cur.WriteByte(ch)
			inWord = true
		}
	}
	if quote != 0 {
		return nil, errors.New("unterminated quote")
	}
	if inWord {
		words = append(words, cur.String())
	}
	return words, nil
}

// side is one of the two worlds a scenario runs in.
type side struct {
	name string
	bin  string
	dir  string
	env  []string
}

// must runs a setup command and fails unless it succeeds.
func (s *side) must(args ...string) error {
	_, errOut, code, err := s.exec(args, nil)
	if err != nil {
		return fmt.Errorf("%s %v: %w", s.name, args, err)
	}
	if code != 0 {
		return fmt.Errorf("%s %v: exit %d: %s", s.name, args, code, errOut)
	}
	return nil
}

func (s *side) exec(args []string, stdin []byte) (string, string, int, error) {
	cmd := exec.Command(s.bin, args...)
	cmd.Dir = s.dir
	cmd.Env = s.env
	cmd.Stdin = bytes.NewReader(stdin)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		return "", "", 0, err
	}
	return out.String(), errOut.String(), code, nil
}

func (o *options) compare(sc *scenario) (bool, string, error) {
	work, err := os.MkdirTemp("", "parity-"+sc.name)
	if err != nil {
		return false, "", err
	}
	defer func() { _ = os.RemoveAll(work) }()
	for name, data := range sc.files {
		if err := os.WriteFile(filepath.Join(work, name), data, 0o600); err != nil {
			return false, "", err
		}
	}
	cluster, err := o.clusterSide(sc, work)
	if err != nil {
		return false, "", err
	}
	defer o.cleanup(cluster, sc)
	local, err := o.k1sSide(sc, work)
	if err != nil {
		return false, "", err
	}
	want, err := transcript(cluster, sc)
	if err != nil {
		return false, "", err
	}
	got, err := transcript(local, sc)
	if err != nil {
		return false, "", err
	}
	want, got = normalize(want, sc), normalize(got, sc)
	if want == got {
		return true, want, nil
	}
	return false, diff(want, got), nil
}

// localTranscript is the normalised transcript of sc on k1s alone.
func (o *options) localTranscript(sc *scenario) (string, error) {
	work, err := os.MkdirTemp("", "parity-"+sc.name)
	if err != nil {
		return "", err
	}
	defer func() { _ = os.RemoveAll(work) }()
	for name, data := range sc.files {
		if err := os.WriteFile(filepath.Join(work, name), data, 0o600); err != nil {
			return "", err
		}
	}
	local, err := o.k1sSide(sc, work)
	if err != nil {
		return "", err
	}
	got, err := transcript(local, sc)
	if err != nil {
		return "", err
	}
	return normalize(got, sc), nil
}

func baseEnv(home string) []string {
	return []string{"PATH=" + os.Getenv("PATH"), "HOME=" + home, "LANG=C", "TERM=dumb"}
}

// clusterSide prepares kubectl against the oracle: a kubeconfig whose
// context's namespace is the scenario's, created fresh, and its CRDs.
func (o *options) clusterSide(sc *scenario, work string) (*side, error) {
	home := filepath.Join(work, "kube-home")
	if err := os.MkdirAll(home, 0o700); err != nil {
		return nil, err
	}
	kc := filepath.Join(home, "kubeconfig")
	base, err := os.ReadFile(o.kubeconfig)
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(kc, base, 0o600); err != nil {
		return nil, err
	}
	s := &side{name: "kubectl", bin: o.kubectl, dir: work, env: append(baseEnv(home), "KUBECONFIG="+kc)}
	for _, args := range [][]string{{"create", "namespace", sc.ns}, {"config", "set-context", "--current", "--namespace=" + sc.ns}} {
		if err := s.must(args...); err != nil {
			return nil, err
		}
	}
	for _, f := range sc.crds {
		if err := s.must("apply", "-f", f); err != nil {
			return nil, err
		}
		if err := s.must("wait", "--for=condition=Established", "--timeout=60s", "-f", f); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// cleanup deletes what the scenario made on the cluster: its namespace,
// its CRDs and cluster-scoped objects named with the run's prefix.
func (o *options) cleanup(s *side, sc *scenario) {
	_, _, _, _ = s.exec([]string{"delete", "namespace", sc.ns, "--wait=false"}, nil)
	for _, f := range sc.crds {
		if !sc.shared[f] {
			_, _, _, _ = s.exec([]string{"delete", "-f", f, "--wait=false"}, nil)
		}
	}
	out, _, _, _ := s.exec([]string{"get", "namespaces", "-o", "name"}, nil)
	for _, n := range strings.Fields(out) {
		if strings.HasPrefix(n, "namespace/"+sc.prefix+"-") && n != "namespace/"+sc.ns {
			_, _, _, _ = s.exec([]string{"delete", n, "--wait=false"}, nil)
		}
	}
}

// k1sSide prepares k1s with a fresh store holding the scenario's
// namespace, the CRDs in its plugin directory, and that namespace as its
// default.
func (o *options) k1sSide(sc *scenario, work string) (*side, error) {
	home := filepath.Join(work, "k1s-home")
	plugins := filepath.Join(home, "plugins")
	if err := os.MkdirAll(plugins, 0o700); err != nil {
		return nil, err
	}
	for _, f := range sc.crds {
		if err := os.WriteFile(filepath.Join(plugins, f), sc.files[f], 0o600); err != nil {
			return nil, err
		}
	}
	env := append(baseEnv(home), "K1S_DATA="+filepath.Join(home, "store.db"), "K1S_PLUGIN_PATH="+plugins,
		"XDG_CACHE_HOME="+filepath.Join(home, "cache"), "XDG_CONFIG_HOME="+filepath.Join(home, "config"),
		"XDG_DATA_HOME="+filepath.Join(home, "data"))
	s := &side{name: "k1s", bin: o.k1s, dir: work, env: env}
	if err := s.must("create", "namespace", sc.ns); err != nil {
		return nil, err
	}
	s.env = append(s.env, "K1S_NAMESPACE="+sc.ns)
	return s, nil
}

// transcript runs every command of sc on s and records what it printed.
func transcript(s *side, sc *scenario) (string, error) {
	var b strings.Builder
	for _, words := range sc.commands {
		args := words[1:]
		var stdin []byte
		if n := len(args); n >= 2 && args[n-2] == "<" {
			stdin = sc.files[args[n-1]]
			args = args[:n-2]
		}
		out, errOut, code, err := s.exec(args, stdin)
		if err != nil {
			return "", err
		}
		fmt.Fprintf(&b, "$ k %s\n", strings.Join(words[1:], " "))
		for _, l := range lines(out) {
			fmt.Fprintf(&b, "> %s\n", l)
		}
		for _, l := range lines(errOut) {
			fmt.Fprintf(&b, "! %s\n", l)
		}
		fmt.Fprintf(&b, "exit %d\n", code)
	}
	return b.String(), nil
}

func lines(s string) []string {
	s = strings.TrimRight(s, "\n")
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

// The normalisations: what differs between any two runs, or between the
// two programs' names, and nothing else.
var normalizers = []struct {
	re   *regexp.Regexp
	repl string
}{
	{regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`), "<uid>"},
	{regexp.MustCompile(`("?resourceVersion"?: ?)"?\d+"?`), `${1}"<rv>"`},
	// ... and inside a quoted JSON document (an error quoting an object).
	{regexp.MustCompile(`(\\"resourceVersion\\":\\")\d+(\\")`), `${1}<rv>${2}`},
	{regexp.MustCompile(`\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z`), "<time>"},
	// diff's file headers: kubectl diff's temporary directories and the
	// files' modification times.
	{regexp.MustCompile(`/(LIVE|MERGED)-\d+/`), "/$1-<n>/"},
	{regexp.MustCompile(`\t\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d+)? [+-]\d{4}`), "\t<time>"},
	{regexp.MustCompile(`\b(\d+d)?(\d+h)?(\d+m)?\d+s\b|\b\d+[mhd]\d*[smh]?\b|<invalid>`), "<age>"},
	{regexp.MustCompile(`\bkubectl\b|\bk1s\b`), "<cli>"},
}

// spaces is a run of blanks in a table row.
var spaces = regexp.MustCompile(`  +`)

func normalize(s string, _ *scenario) string {
	for _, n := range normalizers {
		s = n.re.ReplaceAllString(s, n.repl)
	}
	// An age's width moves the columns after it: compare such rows (and
	// their headers, the line above) with their blank runs collapsed.
	ls := strings.Split(s, "\n")
	for i, l := range ls {
		if strings.Contains(l, "<age>") {
			ls[i] = spaces.ReplaceAllString(l, "  ")
			if i > 0 && strings.HasPrefix(ls[i-1], "> ") && !strings.Contains(ls[i-1], "<age>") {
				ls[i-1] = spaces.ReplaceAllString(ls[i-1], "  ")
			}
		}
	}
	sortCauses(ls)
	return strings.Join(ls, "\n")
}

// sortCauses sorts each run of an invalid object's causes ("! * spec.x:
// ..."), in place. The API server lists the schema errors of an object's
// properties in the order kube-openapi's validator walks a Go map, which
// changes from one request to the next (five runs of one bad object on
// kube-apiserver v1.37.2 gave three orders); k1s lists them in field
// order, one of those the server gives.
func sortCauses(ls []string) {
	for i := 0; i < len(ls); {
		j := i
		for j < len(ls) && strings.HasPrefix(ls[j], "! * ") {
			j++
		}
		if j > i {
			sort.Strings(ls[i:j])
			i = j
			continue
		}
		i++
	}
}

// diff is a line diff of want (kubectl) and got (k1s), with the longest
// common subsequence kept as context.
func diff(want, got string) string {
	a, b := strings.Split(want, "\n"), strings.Split(got, "\n")
	n, m := len(a), len(b)
	lcs := make([][]int, n+1)
	for i := range lcs {
		lcs[i] = make([]int, m+1)
	}
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			if a[i] == b[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	var out strings.Builder
	out.WriteString("--- kubectl against kube-apiserver\n+++ k1s\n")
	i, j := 0, 0
	for i < n || j < m {
		switch {
		case i < n && j < m && a[i] == b[j]:
			out.WriteString("  " + a[i] + "\n")
			i, j = i+1, j+1
		case j < m && (i == n || lcs[i][j+1] >= lcs[i+1][j]):
			out.WriteString("+ " + b[j] + "\n")
			j++
		default:
			out.WriteString("- " + a[i] + "\n")
			i++
		}
	}
	return out.String()
}
