package kubetypes_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utiljson "k8s.io/apimachinery/pkg/util/json"

	"github.com/k1s-dev/k1s/admission"
	"github.com/k1s-dev/k1s/core"
	"github.com/k1s-dev/k1s/kubetypes"
	"github.com/k1s-dev/k1s/storage/memory"
)

// kubectlMessage is what kubectl prints for the outcome of a create: as
// its StandardErrorMessage words an API error (k8s.io/kubectl
// pkg/cmd/util), causes deduplicated, or "accepted".
func kubectlMessage(err error) string {
	if err == nil {
		return "accepted"
	}
	var se *apierrors.StatusError
	if !errors.As(err, &se) {
		return "error: " + err.Error()
	}
	st := se.Status()
	if st.Reason != metav1.StatusReasonInvalid || st.Details == nil {
		return fmt.Sprintf("Error from server (%s): %s", st.Reason, st.Message)
	}
	var causes []string
	for _, c := range st.Details.Causes {
		if m := c.Field + ": " + c.Message; !slices.Contains(causes, m) {
			causes = append(causes, m)
		}
	}
	head := fmt.Sprintf("The %s %q is invalid: ", st.Details.Kind, st.Details.Name)
	if len(causes) == 1 {
		return head + causes[0]
	}
	return head + "\n* " + strings.Join(causes, "\n* ")
}

// outcome is kubectl's message split into its parts.
type outcome struct {
	head   string   // "accepted", "Error from server (...): ..." or "The X "n" is invalid: "
	causes []string // of an Invalid error
}

func parseOutcome(text string) outcome {
	text = strings.TrimRight(text, "\n")
	first, rest, _ := strings.Cut(text, "\n")
	if !strings.HasPrefix(first, "The ") || !strings.Contains(first, " is invalid: ") {
		return outcome{head: text}
	}
	i := strings.Index(first, " is invalid: ") + len(" is invalid: ")
	o := outcome{head: first[:i]}
	if single := strings.TrimSpace(first[i:]); single != "" {
		o.causes = []string{single}
		return o
	}
	for _, line := range strings.Split(rest, "\n") {
		o.causes = append(o.causes, strings.TrimPrefix(line, "* "))
	}
	return o
}

// exact are the cases whose every cause k1s reports, in the API server's
// words (the order may differ: the API server's follows its validation
// code, k1s's the fields).
var exact = []string{
	"configmaps.number.hand", "configmaps.unknown.hand",
	"cronjobs.batch.noschedule.hand", "cronjobs.batch.valid.hand",
	"daemonsets.apps.emptyselector.hand", "daemonsets.apps.mismatch.hand",
	"deployments.apps.emptyselector.hand", "deployments.apps.initnoimage.hand", "deployments.apps.mismatch.hand",
	"deployments.apps.nameless.hand", "deployments.apps.overflow.hand", "deployments.apps.unknown.hand",
	"deployments.apps.unknownandtype.hand", "deployments.apps.valid.hand", "deployments.apps.wrongtype.hand",
	"jobs.batch.always.hand", "jobs.batch.norestartpolicy.hand", "jobs.batch.sometimes.hand", "jobs.batch.valid.hand",
	"pods.noimage.hand", "pods.nocontainers.hand", "pods.portstring.hand", "pods.valid.hand",
	"replicasets.apps.emptyselector.hand",
	"services.externalname.hand", "services.headless.hand", "services.noports.hand", "services.portstring.hand", "services.valid.hand",
	"statefulsets.apps.emptyselector.hand", "statefulsets.apps.mismatch.hand",
	"deployments.apps.empty.gen", "pods.empty.gen", "jobs.batch.empty.gen", "cronjobs.batch.empty.gen",
}

// TestValidateAsTheAPIServer sends the validation corpus
// (testdata/validation/cases: hand-written mistakes and, for every kind,
// an object with only a name and a skeleton whose every required field
// is missing somewhere) through Validate, and compares the outcome with
// what a real kube-apiserver v1.37.2 answered to the same request
// (testdata/validation/server, recorded by capture.sh):
//
//   - an object the server accepts, Validate accepts;
//   - a body the server cannot decode (a wrong type, an unknown field)
//     gets the server's BadRequest, word for word;
//   - an object Validate refuses, the server refuses;
//   - for the cases in exact, Validate reports every field error the
//     server reports, in its words.
//
// Elsewhere the server's validation code checks much more than the
// package replicates, and stops early where k1s goes on (a template is
// not checked once its selector does not parse); the test logs, per case
// with -v, how many of the server's field errors k1s reports.
func TestValidateAsTheAPIServer(t *testing.T) {
	f, err := os.Open("testdata/validation/index.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = f.Close() }()
	var total, covered int
	seen := map[string]bool{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		name, _, _ := strings.Cut(sc.Text(), " ")
		seen[name] = true
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("testdata/validation/cases", name+".json"))
			if err != nil {
				t.Fatal(err)
			}
			serverText, err := os.ReadFile(filepath.Join("testdata/validation/server", name+".txt"))
			if err != nil {
				t.Fatalf("no recorded answer (run capture.sh): %v", err)
			}
			u := &unstructured.Unstructured{}
			if err := utiljson.Unmarshal(data, &u.Object); err != nil {
				t.Fatal(err)
			}
			server := strings.TrimRight(string(serverText), "\n")
			got := kubectlMessage(kubetypes.Validate(u))
			want, mine := parseOutcome(server), parseOutcome(got)
			n := 0
			for _, c := range mine.causes {
				if slices.Contains(want.causes, c) {
					n++
				}
			}
			total, covered = total+len(want.causes), covered+n
			switch {
			case slices.Contains(exact, name):
				slices.Sort(want.causes)
				slices.Sort(mine.causes)
				if diff := cmp.Diff(want, mine, cmp.AllowUnexported(outcome{})); diff != "" {
					t.Errorf("the API server said\n%s\nk1s says\n%s\n(-kube-apiserver +k1s):\n%s", server, got, diff)
				}
			case want.head == "accepted" || len(want.causes) == 0 || mine.head != "accepted" && len(mine.causes) == 0:
				// Accepted, or refused before validation: the same answer.
				if got != server {
					t.Errorf("the API server said\n%s\nk1s says\n%s", server, got)
				}
			case mine.head != "accepted" && mine.head != want.head:
				t.Errorf("k1s says %q, the API server %q", mine.head, want.head)
			default:
				t.Logf("k1s reports %d of the API server's %d field errors", n, len(want.causes))
			}
		})
	}
	for _, name := range exact {
		if !seen[name] {
			t.Errorf("exact names %s, which is not in the corpus", name)
		}
	}
	t.Logf("over the corpus the API server reports %d field errors; k1s reports %d of them", total, covered)
}

// TestValidatorThroughTheCoreClient: Validator, in core.Options.Admission,
// refuses a typed object missing required fields with the API server's
// Invalid error, and lets a valid one through.
func TestValidatorThroughTheCoreClient(t *testing.T) {
	c, err := core.New(core.Options{Storage: memory.New(), Scheme: kubetypes.NewScheme(),
		Registry: kubetypes.NewRegistry(nil), Admission: admission.NewChain().AddValidatingForAll(kubetypes.Validator())})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	bad := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "bad", Namespace: "default"},
		Spec: appsv1.DeploymentSpec{Template: corev1.PodTemplateSpec{Spec: corev1.PodSpec{
			Containers: []corev1.Container{{Image: "nginx"}},
		}}},
	}
	err = c.Create(ctx, bad)
	if !apierrors.IsInvalid(err) {
		t.Fatalf("Create = %v, want Invalid", err)
	}
	want := `Deployment.apps "bad" is invalid: [spec.selector: Required value, spec.template.metadata.labels: Invalid value: null: ` +
		"`selector` does not match template `labels`, spec.template.spec.containers[0].name: Required value]"
	if err.Error() != want {
		t.Errorf("Create error\n got %s\nwant %s", err, want)
	}
	good := bad.DeepCopy()
	good.Spec.Selector = &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}}
	good.Spec.Template.Labels = map[string]string{"app": "web"}
	good.Spec.Template.Spec.Containers[0].Name = "nginx"
	if err := c.Create(ctx, good); err != nil {
		t.Fatalf("Create(valid) = %v", err)
	}
	good.Spec.Template.Spec.Containers[0].Name = ""
	if err := c.Update(ctx, good); !apierrors.IsInvalid(err) {
		t.Errorf("Update without a container name = %v, want Invalid", err)
	}
	// A kind the package does not know passes.
	if err := kubetypes.Validate(&metav1.Status{}); err != nil {
		t.Errorf("Validate(Status) = %v", err)
	}
}
