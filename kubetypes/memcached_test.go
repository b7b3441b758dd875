package kubetypes_test

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	crclient "sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/k1s-dev/k1s/admission"
	"github.com/k1s-dev/k1s/cliruntime/printers"
	"github.com/k1s-dev/k1s/controller"
	"github.com/k1s-dev/k1s/core"
	"github.com/k1s-dev/k1s/coretypes"
	"github.com/k1s-dev/k1s/kubetypes"
	"github.com/k1s-dev/k1s/managed"
	"github.com/k1s-dev/k1s/registry"
	"github.com/k1s-dev/k1s/storage/sqlite"
)

// The memcached operator of the kubebuilder tutorial, written as its
// users write it: a typed API (what controller-gen would generate is
// written out below) and a reconciler that knows nothing of k1s.

var memcachedGV = schema.GroupVersion{Group: "cache.example.com", Version: "v1alpha1"}

type MemcachedSpec struct {
	Size int32 `json:"size,omitempty"`
}

type MemcachedStatus struct {
	Conditions []metav1.Condition `json:"conditions,omitempty"`
}

type Memcached struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`
	Spec              MemcachedSpec   `json:"spec,omitempty"`
	Status            MemcachedStatus `json:"status,omitempty"`
}

type MemcachedList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []Memcached `json:"items"`
}

func (in *Memcached) DeepCopyObject() runtime.Object {
	out := *in
	in.DeepCopyInto(&out.ObjectMeta)
	out.Status.Conditions = make([]metav1.Condition, len(in.Status.Conditions))
	for i := range in.Status.Conditions {
		in.Status.Conditions[i].DeepCopyInto(&out.Status.Conditions[i])
	}
	return &out
}

func (in *MemcachedList) DeepCopyObject() runtime.Object {
	out := *in
	out.Items = make([]Memcached, len(in.Items))
	for i := range in.Items {
		out.Items[i] = *in.Items[i].DeepCopyObject().(*Memcached)
	}
	return &out
}

const typeAvailable = "Available"

// MemcachedReconciler keeps a Deployment of spec.size memcached pods per
// Memcached, owned by it, and reports its availability in a condition.
type MemcachedReconciler struct {
	crclient.Client
	Scheme *runtime.Scheme
}

func (r *MemcachedReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	logger := log.FromContext(ctx)
	memcached := &Memcached{}
	if err := r.Get(ctx, req.NamespacedName, memcached); err != nil {
		return ctrl.Result{}, crclient.IgnoreNotFound(err)
	}
	if len(memcached.Status.Conditions) == 0 {
		apimeta.SetStatusCondition(&memcached.Status.Conditions, metav1.Condition{Type: typeAvailable, Status: metav1.ConditionUnknown, Reason: "Reconciling", Message: "Starting reconciliation"})
		if err := r.Status().Update(ctx, memcached); err != nil {
			return ctrl.Result{}, err
		}
		if err := r.Get(ctx, req.NamespacedName, memcached); err != nil {
			return ctrl.Result{}, err
		}
	}
	found := &appsv1.Deployment{}
	err := r.Get(ctx, req.NamespacedName, found)
	if apierrors.IsNotFound(err) {
		dep, err := r.deploymentForMemcached(memcached)
		if err != nil {
			return ctrl.Result{}, err
		}
		logger.Info("Creating a new Deployment", "Deployment.Namespace", dep.Namespace, "Deployment.Name", dep.Name)
		if err := r.Create(ctx, dep); err != nil {
			return ctrl.Result{}, err
		}
		return ctrl.Result{RequeueAfter: time.Millisecond}, nil
	} else if err != nil {
		return ctrl.Result{}, err
	}
	if size := memcached.Spec.Size; *found.Spec.Replicas != size {
		found.Spec.Replicas = &size
		if err := r.Update(ctx, found); err != nil {
			return ctrl.Result{}, err
		}
		return ctrl.Result{RequeueAfter: time.Millisecond}, nil
	}
	apimeta.SetStatusCondition(&memcached.Status.Conditions, metav1.Condition{Type: typeAvailable, Status: metav1.ConditionTrue, Reason: "Reconciling",
		Message: "Deployment for custom resource " + memcached.Name + " created successfully"})
	return ctrl.Result{}, r.Status().Update(ctx, memcached)
}

func (r *MemcachedReconciler) deploymentForMemcached(m *Memcached) (*appsv1.Deployment, error) {
	ls := map[string]string{"app.kubernetes.io/name": "memcached-operator", "app.kubernetes.io/instance": m.Name}
	dep := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: m.Name, Namespace: m.Namespace},
		Spec: appsv1.DeploymentSpec{
			Replicas: &m.Spec.Size,
			Selector: &metav1.LabelSelector{MatchLabels: ls},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: ls},
				Spec: corev1.PodSpec{
					SecurityContext: &corev1.PodSecurityContext{RunAsNonRoot: ptr.To(true)},
					Containers: []corev1.Container{{
						Image:           "memcached:1.6.26-alpine3.19",
						Name:            "memcached",
						ImagePullPolicy: corev1.PullIfNotPresent,
						Ports:           []corev1.ContainerPort{{ContainerPort: 11211, Name: "memcached"}},
						Command:         []string{"memcached", "--memory-limit=64", "-o", "modern", "-v"},
					}},
				},
			},
		},
	}
	if err := ctrl.SetControllerReference(m, dep, r.Scheme); err != nil {
		return nil, err
	}
	return dep, nil
}

func (r *MemcachedReconciler) SetupWithManager(mgr ctrl.Manager) error {
	return ctrl.NewControllerManagedBy(mgr).For(&Memcached{}).Owns(&appsv1.Deployment{}).Named("memcached").Complete(r)
}

// memcachedRuntime opens a ManagedRuntime on an SQLite file with the
// scheme and registry a user of kubetypes builds: k8s.io/api's kinds and
// the operator's own.
func memcachedRuntime(t *testing.T, path string, withKubetypes bool) *managed.Runtime {
	t.Helper()
	store, err := sqlite.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = store.Close() })
	s := coretypes.NewScheme()
	reg := registry.New(nil)
	if err := reg.Add(coretypes.Types()...); err != nil {
		t.Fatal(err)
	}
	opts := core.Options{Storage: store, Scheme: s, Registry: reg}
	if withKubetypes {
		if err := kubetypes.AddToScheme(s); err != nil {
			t.Fatal(err)
		}
		if err := kubetypes.AddToRegistry(reg); err != nil {
			t.Fatal(err)
		}
		opts.Admission = admission.NewChain().AddValidatingForAll(kubetypes.Validator())
	}
	s.AddKnownTypes(memcachedGV, &Memcached{}, &MemcachedList{})
	metav1.AddToGroupVersion(s, memcachedGV)
	if err := reg.Add(registry.Type{Kind: memcachedGV.WithKind("Memcached"), Resource: "memcacheds", Namespaced: true,
		StatusSubresource: true, Storage: true}); err != nil {
		t.Fatal(err)
	}
	rt, err := managed.New(managed.Options{CoreClientOptions: opts, EnableControllers: true, EnableInformers: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = rt.Shutdown(context.Background()) })
	return rt
}

// reconcileOnce runs the operator, unmodified, on rt until it converges.
// A runtime has one controller manager, so a run is once per runtime.
func reconcileOnce(t *testing.T, rt *managed.Runtime) error {
	t.Helper()
	mgr, err := controller.NewManager(rt, controller.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := (&MemcachedReconciler{Client: mgr.GetClient(), Scheme: mgr.GetScheme()}).SetupWithManager(mgr); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	_, err = mgr.RunTriggered(ctx, controller.TriggeredOptions{})
	return err
}

// TestMemcachedOperator runs the kubebuilder memcached operator on k1s
// with kubetypes: the Deployment it creates is validated and stored, is
// owned by its Memcached, prints as `kubectl get deployments` prints it,
// follows spec.size, and goes when its Memcached is deleted.
func TestMemcachedOperator(t *testing.T) {
	dir := t.TempDir()
	rt := memcachedRuntime(t, filepath.Join(dir, "k1s.db"), true)
	ctx := context.Background()
	c := controller.NewClient(rt.Client())
	sample := &Memcached{ObjectMeta: metav1.ObjectMeta{Name: "memcached-sample", Namespace: "default"}, Spec: MemcachedSpec{Size: 3}}
	if err := c.Create(ctx, sample); err != nil {
		t.Fatal(err)
	}
	if err := reconcileOnce(t, rt); err != nil {
		t.Fatalf("RunTriggered: %v", err)
	}

	var dep appsv1.Deployment
	if err := c.Get(ctx, crclient.ObjectKeyFromObject(sample), &dep); err != nil {
		t.Fatalf("the operator's Deployment: %v", err)
	}
	if dep.Spec.Replicas == nil || *dep.Spec.Replicas != 3 || dep.Generation != 1 {
		t.Errorf("Deployment replicas %v generation %d, want 3 and 1", dep.Spec.Replicas, dep.Generation)
	}
	if ref := metav1.GetControllerOf(&dep); ref == nil || ref.Kind != "Memcached" || ref.Name != sample.Name {
		t.Errorf("Deployment controller reference = %+v", ref)
	}
	if err := c.Get(ctx, crclient.ObjectKeyFromObject(sample), sample); err != nil {
		t.Fatal(err)
	}
	if cond := apimeta.FindStatusCondition(sample.Status.Conditions, typeAvailable); cond == nil || cond.Status != metav1.ConditionTrue {
		t.Errorf("Available condition = %+v", cond)
	}

	// As `kubectl get deployments` and `-o wide` print it.
	typ, err := kubetypes.NewRegistry(nil).ResolveOne("deploy")
	if err != nil {
		t.Fatal(err)
	}
	u := &unstructured.Unstructured{}
	u.SetGroupVersionKind(appsv1.SchemeGroupVersion.WithKind("Deployment"))
	if err := rt.Client().Get(ctx, crclient.ObjectKeyFromObject(sample), u); err != nil {
		t.Fatal(err)
	}
	var table bytes.Buffer
	if err := printers.NewTablePrinter(printers.PrintOptions{Output: "wide"}).Print(&table, []printers.Group{{Type: typ, Items: []*unstructured.Unstructured{u}}}, false); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"NAME READY UP-TO-DATE AVAILABLE AGE CONTAINERS IMAGES SELECTOR",
		"memcached-sample 0/3 0 0 <age> memcached memcached:1.6.26-alpine3.19 app.kubernetes.io/instance=memcached-sample,app.kubernetes.io/name=memcached-operator",
	}
	if got := normalize(table.String()); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("get deployments -o wide:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	// The operator follows spec.size, in the next run: a new runtime on
	// the same file, as the next `reconcile` command of a CLI would open.
	sample.Spec.Size = 1
	if err := c.Update(ctx, sample); err != nil {
		t.Fatal(err)
	}
	if err := reconcileOnce(t, memcachedRuntime(t, filepath.Join(dir, "k1s.db"), true)); err != nil {
		t.Fatalf("second RunTriggered: %v", err)
	}
	if err := c.Get(ctx, crclient.ObjectKeyFromObject(sample), &dep); err != nil {
		t.Fatal(err)
	}
	if *dep.Spec.Replicas != 1 || dep.Generation != 2 {
		t.Errorf("after size 1: replicas %d generation %d, want 1 and 2", *dep.Spec.Replicas, dep.Generation)
	}

	// Deleting the Memcached deletes its Deployment, as the garbage
	// collector of a cluster would.
	if err := c.Delete(ctx, sample); err != nil {
		t.Fatal(err)
	}
	if err := c.Get(ctx, crclient.ObjectKeyFromObject(sample), &dep); !apierrors.IsNotFound(err) {
		t.Errorf("Deployment after its owner's deletion: %v, want NotFound", err)
	}
	var deps appsv1.DeploymentList
	if err := c.List(ctx, &deps, crclient.InNamespace("default")); err != nil || len(deps.Items) != 0 {
		t.Errorf("deployments left: %d, %v", len(deps.Items), err)
	}
}

// TestMemcachedOperatorWithoutKubetypes: without kubetypes the operator's
// Deployment is a type k1s does not know, and the run says so at start.
func TestMemcachedOperatorWithoutKubetypes(t *testing.T) {
	rt := memcachedRuntime(t, filepath.Join(t.TempDir(), "k1s.db"), false)
	err := reconcileOnce(t, rt)
	t.Logf("RunTriggered: %v", err)
	if err == nil || !strings.Contains(err.Error(), "Deployment") {
		t.Fatalf("RunTriggered without kubetypes = %v, want an error naming Deployment", err)
	}
}

// TestControllerutilOnCoreClient: controllerutil.CreateOrUpdate with the
// controller-runtime client of a CoreClient, and the Validator refusing
// what the API server would refuse.
func TestControllerutilOnCoreClient(t *testing.T) {
	rt := memcachedRuntime(t, filepath.Join(t.TempDir(), "k1s.db"), true)
	c := controller.NewClient(rt.Client())
	ctx := context.Background()
	dep := &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "default"}}
	mutate := func(image string) controllerutil.MutateFn {
		return func() error {
			dep.Spec.Selector = &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}}
			dep.Spec.Template.Labels = map[string]string{"app": "web"}
			dep.Spec.Template.Spec.Containers = []corev1.Container{{Name: "web", Image: image}}
			return nil
		}
	}
	for _, want := range []controllerutil.OperationResult{controllerutil.OperationResultCreated, controllerutil.OperationResultNone} {
		op, err := controllerutil.CreateOrUpdate(ctx, c, dep, mutate("nginx"))
		if err != nil || op != want {
			t.Fatalf("CreateOrUpdate = %s, %v; want %s", op, err, want)
		}
	}
	if op, err := controllerutil.CreateOrUpdate(ctx, c, dep, mutate("")); !apierrors.IsInvalid(err) ||
		!strings.Contains(err.Error(), "spec.template.spec.containers[0].image: Required value") {
		t.Errorf("CreateOrUpdate without an image = %s, %v; want the API server's Invalid error", op, err)
	}
}
