package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const good = `apiVersion: batch/v1
kind: Job
metadata: {name: grid}
spec:
  completions: 4
  parallelism: 4
  completionMode: Indexed
  template:
    spec:
      restartPolicy: OnFailure
      containers:
      - name: run
        image: mmpoison:latest
        command: ["sh", "-c", "mmpoison run --config /cfg/grid.json --out /runs --shard $JOB_COMPLETION_INDEX/4"]
        volumeMounts: [{name: runs, mountPath: /runs}]
      volumes:
      - {name: runs, persistentVolumeClaim: {claimName: runs}}
`

func TestCheckJob(t *testing.T) {
	if err := checkJob(good); err != nil {
		t.Fatalf("a valid manifest: %v", err)
	}
	bad := map[string]struct{ from, to, want string }{
		"misspelt field":     {"completionMode: Indexed", "completionMod: Indexed", "unknown field"},
		"wrong type":         {"completions: 4", "completions: four", "completions"},
		"not indexed":        {"completionMode: Indexed", "completionMode: NonIndexed", "Indexed"},
		"shards ≠ pods":      {"completions: 4", "completions: 8", "4 ways"},
		"no such volume":     {"{name: runs, mountPath: /runs}", "{name: data, mountPath: /runs}", `volume "data"`},
		"restart always":     {"restartPolicy: OnFailure", "restartPolicy: Always", "OnFailure or Never"},
		"unsharded command":  {"--shard $JOB_COMPLETION_INDEX/4", "", "without --shard"},
		"not a job's fields": {"  parallelism: 4\n", "  replicas: 4\n", "unknown field"},
	}
	for name, c := range bad {
		text := strings.Replace(good, c.from, c.to, 1)
		if text == good {
			t.Fatalf("%s: the edit %q did not apply", name, c.from)
		}
		if err := checkJob(text); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one containing %q", name, err, c.want)
		}
	}
}

func TestYAMLBlocksFindsFencedManifests(t *testing.T) {
	path := filepath.Join(t.TempDir(), "doc.md")
	doc := "# t\n\n```sh\necho\n```\n\n```yaml\n" + good + "```\n"
	if err := os.WriteFile(path, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	blocks, err := yamlBlocks(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(blocks) != 1 || blocks[0].line != 7 || blocks[0].text != good {
		t.Fatalf("blocks %+v, want the one yaml block at line 7", blocks)
	}
}
