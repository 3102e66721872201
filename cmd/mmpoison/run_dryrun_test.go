package main

import (
	"bytes"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mmpoison/mmpoison/runner"
)

// The shipped configs parse and expand to the grids their result pages describe.
func TestShippedConfigsExpand(t *testing.T) {
	want := map[string]int{"coco-mini.json": 5, "fashion.json": 10, "flickr8k.json": 21, "flickr8k-vit.json": 9, "flickr8k-poison10.json": 1, "flickr8k-twoview.json": 13, "flickr8k-quick.json": 2, "flickr8k-tiny.json": 8, "fashion-heatmap.json": 12, "flickr8k-heatmap.json": 6}
	for name, n := range want {
		cfg, err := runner.LoadConfig(filepath.Join("..", "..", "configs", name))
		if err != nil {
			t.Fatal(err)
		}
		var all, shard0, shard1 bytes.Buffer
		printJobs(&all, cfg, 0, 1)
		printJobs(&shard0, cfg, 0, 2)
		printJobs(&shard1, cfg, 1, 2)
		lines := strings.Split(strings.TrimSpace(all.String()), "\n")
		if len(lines) != n+1 || !strings.HasPrefix(lines[n], fmt.Sprintf("%d of %d jobs", n, n)) {
			t.Errorf("%s: dry run printed %q, want %d jobs and a summary", name, all.String(), n)
		}
		if got := strings.Count(shard0.String(), "\n") + strings.Count(shard1.String(), "\n"); got != n+2 {
			t.Errorf("%s: shards list %d lines, want the %d jobs plus two summaries", name, got, n)
		}
	}
}

func TestRunDryRunExitCodes(t *testing.T) {
	cfg := filepath.Join("..", "..", "configs", "coco-mini.json")
	checkExits(t, []exitCase{
		{[]string{"run", "--config", cfg, "--dry-run"}, 0},
		{[]string{"run", "--config", cfg, "--dry-run", "--shard", "2/2"}, 2},
		{[]string{"run", "--config", cfg + ".missing", "--dry-run"}, 2},
		{[]string{"run", "--dry-run"}, 2},
	})
}
