// Command psa-check evaluates every pod template in rendered Kubernetes manifests against a
// Pod Security Standard level with Kubernetes' own evaluator (k8s.io/pod-security-admission,
// the code the PodSecurity admission plugin runs), not a home-made list of rules.
//
//	helm template ... | psa-check [-level restricted] [-version latest] [FILE|-]...
//
// Pods, Deployments, StatefulSets, DaemonSets, ReplicaSets, ReplicationControllers, Jobs,
// CronJobs and PodTemplates are checked. Any other kind that carries a pod template is an
// error, so a new workload kind (say, from a subchart) cannot slip through unchecked.
// Exit status: 0 when every pod is allowed, 1 when one is not, 2 on bad input.
package main

import (
	"bufio"
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	psaapi "k8s.io/pod-security-admission/api"
	"k8s.io/pod-security-admission/policy"
	"sigs.k8s.io/yaml"
)

type typeMeta struct {
	APIVersion string         `json:"apiVersion"`
	Kind       string         `json:"kind"`
	Metadata   map[string]any `json:"metadata"`
	Spec       map[string]any `json:"spec"`
	Template   map[string]any `json:"template"`
}

// podOf returns the pod metadata and spec a workload object creates.
func podOf(kind string, doc []byte) (*metav1.ObjectMeta, *corev1.PodSpec, error) {
	strict := func(into any) error { return yaml.UnmarshalStrict(doc, into) }
	switch kind {
	case "Pod":
		var o corev1.Pod
		err := strict(&o)
		return &o.ObjectMeta, &o.Spec, err
	case "PodTemplate":
		var o corev1.PodTemplate
		err := strict(&o)
		return &o.Template.ObjectMeta, &o.Template.Spec, err
	case "ReplicationController":
		var o corev1.ReplicationController
		if err := strict(&o); err != nil {
			return nil, nil, err
		}
		if o.Spec.Template == nil {
			return nil, nil, errors.New("no pod template")
		}
		return &o.Spec.Template.ObjectMeta, &o.Spec.Template.Spec, nil
	case "Deployment":
		var o appsv1.Deployment
		err := strict(&o)
		return &o.Spec.Template.ObjectMeta, &o.Spec.Template.Spec, err
	case "StatefulSet":
		var o appsv1.StatefulSet
		err := strict(&o)
		return &o.Spec.Template.ObjectMeta, &o.Spec.Template.Spec, err
	case "DaemonSet":
		var o appsv1.DaemonSet
		err := strict(&o)
		return &o.Spec.Template.ObjectMeta, &o.Spec.Template.Spec, err
	case "ReplicaSet":
		var o appsv1.ReplicaSet
		err := strict(&o)
		return &o.Spec.Template.ObjectMeta, &o.Spec.Template.Spec, err
	case "Job":
		var o batchv1.Job
		err := strict(&o)
		return &o.Spec.Template.ObjectMeta, &o.Spec.Template.Spec, err
	case "CronJob":
		var o batchv1.CronJob
		err := strict(&o)
		return &o.Spec.JobTemplate.Spec.Template.ObjectMeta, &o.Spec.JobTemplate.Spec.Template.Spec, err
	}
	return nil, nil, nil
}

// hasPodTemplate spots kinds we do not know that still describe pods.
func hasPodTemplate(t typeMeta) bool {
	if t.Template != nil {
		return true
	}
	for _, key := range []string{"template", "jobTemplate", "containers"} {
		if _, ok := t.Spec[key]; ok {
			return true
		}
	}
	return false
}

type result struct{ checked, denied int }

func check(name string, r io.Reader, evaluator policy.Evaluator, level psaapi.LevelVersion, out io.Writer) (result, error) {
	var res result
	reader := utilyaml.NewYAMLReader(bufio.NewReader(r))
	for {
		doc, err := reader.Read()
		if errors.Is(err, io.EOF) {
			return res, nil
		}
		if err != nil {
			return res, fmt.Errorf("%s: %w", name, err)
		}
		if len(bytes.TrimSpace(doc)) == 0 {
			continue
		}
		var t typeMeta
		if err := yaml.Unmarshal(doc, &t); err != nil {
			return res, fmt.Errorf("%s: %w", name, err)
		}
		if t.Kind == "" {
			continue // an empty document (a template that rendered nothing)
		}
		objName, _ := t.Metadata["name"].(string)
		id := fmt.Sprintf("%s/%s", t.Kind, objName)
		meta, spec, err := podOf(t.Kind, doc)
		if err != nil {
			return res, fmt.Errorf("%s: %s: %w", name, id, err)
		}
		if spec == nil {
			if hasPodTemplate(t) {
				return res, fmt.Errorf("%s: %s carries pods, but psa-check does not know the kind", name, id)
			}
			continue
		}
		res.checked++
		verdict := policy.AggregateCheckResults(evaluator.EvaluatePod(level, meta, spec))
		if verdict.Allowed {
			fmt.Fprintf(out, "ok      %s\n", id)
			continue
		}
		res.denied++
		fmt.Fprintf(out, "DENIED  %s: violates PodSecurity %q: %s\n", id, level.String(), verdict.ForbiddenDetail())
	}
}

func main() {
	levelName := flag.String("level", "restricted", "Pod Security level: privileged, baseline or restricted")
	versionName := flag.String("version", "latest", "Pod Security version, e.g. latest or v1.31")
	flag.Parse()

	level, err := psaapi.ParseLevel(*levelName)
	if err != nil {
		fmt.Fprintln(os.Stderr, "psa-check:", err)
		os.Exit(2)
	}
	version, err := psaapi.ParseVersion(*versionName)
	if err != nil {
		fmt.Fprintln(os.Stderr, "psa-check:", err)
		os.Exit(2)
	}
	evaluator, err := policy.NewEvaluator(policy.DefaultChecks())
	if err != nil {
		fmt.Fprintln(os.Stderr, "psa-check:", err)
		os.Exit(2)
	}
	lv := psaapi.LevelVersion{Level: level, Version: version}

	files := flag.Args()
	if len(files) == 0 {
		files = []string{"-"}
	}
	var total result
	for _, f := range files {
		var r io.Reader = os.Stdin
		if f != "-" {
			fh, err := os.Open(f)
			if err != nil {
				fmt.Fprintln(os.Stderr, "psa-check:", err)
				os.Exit(2)
			}
			defer fh.Close()
			r = fh
		}
		res, err := check(f, r, evaluator, lv, os.Stdout)
		total.checked += res.checked
		total.denied += res.denied
		if err != nil {
			fmt.Fprintln(os.Stderr, "psa-check:", err)
			os.Exit(2)
		}
	}
	fmt.Printf("psa-check: %d pod templates checked at %s, %d denied\n", total.checked, strings.TrimSpace(lv.String()), total.denied)
	if total.checked == 0 {
		fmt.Fprintln(os.Stderr, "psa-check: no pod templates found")
		os.Exit(2)
	}
	if total.denied > 0 {
		os.Exit(1)
	}
}
