// Command k8s-manifest checks the Kubernetes manifests in the project's
// docs against Kubernetes' own API types: every YAML block in a Markdown
// file that declares apiVersion batch/v1 and kind Job is decoded strictly
// (an unknown or misspelt field, or a value of the wrong type, is an error)
// into k8s.io/api's batch/v1 Job, then checked the way the API server's
// validation would for what mmpoison's sharding relies on: an Indexed job
// with as many completions as the shards its command names.
//
// It is its own module so that the project's go.mod keeps its four
// dependencies. Run it from the repository root:
//
//	(cd scripts/k8s-manifest && go run . ../../docs/experiments.md)
package main

import (
	"bufio"
	"fmt"
	"os"
	"regexp"
	"strings"

	batchv1 "k8s.io/api/batch/v1"
	"sigs.k8s.io/yaml"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: k8s-manifest FILE.md...")
		os.Exit(2)
	}
	failed, checked := false, 0
	for _, path := range os.Args[1:] {
		blocks, err := yamlBlocks(path)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		for _, b := range blocks {
			if !strings.Contains(b.text, "kind: Job") {
				continue
			}
			checked++
			if err := checkJob(b.text); err != nil {
				fmt.Fprintf(os.Stderr, "%s:%d: %v\n", path, b.line, err)
				failed = true
				continue
			}
			fmt.Printf("%s:%d: a valid batch/v1 Job\n", path, b.line)
		}
	}
	if checked == 0 {
		fmt.Fprintln(os.Stderr, "no Job manifest found")
		failed = true
	}
	if failed {
		os.Exit(1)
	}
}

type block struct {
	line int // of the opening fence
	text string
}

// yamlBlocks returns the ```yaml fenced blocks of a Markdown file.
func yamlBlocks(path string) ([]block, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []block
	var cur *block
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		switch {
		case cur == nil && strings.TrimSpace(line) == "```yaml":
			cur = &block{line: n}
		case cur != nil && strings.TrimSpace(line) == "```":
			out = append(out, *cur)
			cur = nil
		case cur != nil:
			cur.text += line + "\n"
		}
	}
	return out, sc.Err()
}

var shardFlag = regexp.MustCompile(`--shard \$JOB_COMPLETION_INDEX/(\d+)`)

// checkJob decodes a manifest strictly into a batch/v1 Job and checks it.
func checkJob(text string) error {
	var job batchv1.Job
	if err := yaml.UnmarshalStrict([]byte(text), &job); err != nil {
		return fmt.Errorf("not a batch/v1 Job: %w", err)
	}
	if job.APIVersion != "batch/v1" || job.Kind != "Job" {
		return fmt.Errorf("apiVersion %q kind %q, want batch/v1 Job", job.APIVersion, job.Kind)
	}
	if job.Name == "" {
		return fmt.Errorf("metadata.name is empty")
	}
	s := job.Spec
	if s.CompletionMode == nil || *s.CompletionMode != batchv1.IndexedCompletion {
		return fmt.Errorf("spec.completionMode must be Indexed, so that each pod gets JOB_COMPLETION_INDEX")
	}
	if s.Completions == nil || *s.Completions < 1 {
		return fmt.Errorf("an Indexed job needs spec.completions >= 1")
	}
	pod := s.Template.Spec
	if p := pod.RestartPolicy; p != "OnFailure" && p != "Never" {
		return fmt.Errorf("spec.template.spec.restartPolicy %q: a Job's pods must use OnFailure or Never", p)
	}
	if len(pod.Containers) == 0 {
		return fmt.Errorf("spec.template.spec.containers is empty")
	}
	volumes := map[string]bool{}
	for _, v := range pod.Volumes {
		volumes[v.Name] = true
	}
	for _, c := range pod.Containers {
		if c.Name == "" || c.Image == "" {
			return fmt.Errorf("container %q needs a name and an image", c.Name)
		}
		for _, m := range c.VolumeMounts {
			if !volumes[m.Name] {
				return fmt.Errorf("container %s mounts volume %q, which spec.template.spec.volumes does not define", c.Name, m.Name)
			}
		}
		cmd := strings.Join(append(append([]string{}, c.Command...), c.Args...), " ")
		if m := shardFlag.FindStringSubmatch(cmd); m != nil {
			if m[1] != fmt.Sprint(*s.Completions) {
				return fmt.Errorf("the command shards the grid %s ways but spec.completions is %d", m[1], *s.Completions)
			}
		} else if strings.Contains(cmd, "mmpoison run") {
			return fmt.Errorf("the command runs mmpoison without --shard $JOB_COMPLETION_INDEX/N")
		}
	}
	return nil
}
