package runner

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestLockIsExclusiveAndNamesItsHolder(t *testing.T) {
	path := filepath.Join(t.TempDir(), "job.lock")
	l, err := TryLock(path)
	if err != nil {
		t.Fatal(err)
	}
	_, err = TryLock(path)
	if !errors.Is(err, ErrLocked) || !strings.Contains(err.Error(), fmt.Sprintf("pid %d", os.Getpid())) {
		t.Fatalf("second claim: %v, want ErrLocked naming pid %d", err, os.Getpid())
	}
	if err := l.Unlock(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("Unlock left %s behind (%v)", path, err)
	}
	l2, err := TryLock(path)
	if err != nil {
		t.Fatalf("claim after unlock: %v", err)
	}
	l2.Unlock()
}

// lockHelperEnv makes the test binary a process that holds a lock until killed.
const lockHelperEnv = "MMPOISON_TEST_HOLD_LOCK"

func TestMain(m *testing.M) {
	if path := os.Getenv(lockHelperEnv); path != "" {
		if _, err := TryLock(path); err != nil {
			fmt.Println("error:", err)
			os.Exit(1)
		}
		fmt.Println("locked")
		time.Sleep(time.Hour)
	}
	if cfg := os.Getenv(runHelperEnv); cfg != "" {
		os.Exit(runHelper(cfg))
	}
	os.Exit(m.Run())
}

// A lock held by a live process is refused; once that process is killed
// with SIGKILL (no chance to clean up), its leftover file is taken over.
func TestLockOfKilledProcessIsTakenOver(t *testing.T) {
	path := filepath.Join(t.TempDir(), "job.lock")
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), lockHelperEnv+"="+path)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, _ := bufio.NewReader(out).ReadString('\n')
	if strings.TrimSpace(line) != "locked" {
		cmd.Process.Kill()
		t.Fatalf("helper said %q", line)
	}
	_, err = TryLock(path)
	if !errors.Is(err, ErrLocked) || !strings.Contains(err.Error(), fmt.Sprintf("pid %d", cmd.Process.Pid)) {
		cmd.Process.Kill()
		t.Fatalf("claim while the helper lives: %v, want ErrLocked naming pid %d", err, cmd.Process.Pid)
	}
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("the killed holder's lock file should remain: %v", err)
	}
	l, err := TryLock(path)
	if err != nil {
		t.Fatalf("claim after the holder was killed: %v", err)
	}
	l.Unlock()
}

// runHelperEnv makes the test binary run one grid: "CONFIG.json|OUT".
const runHelperEnv = "MMPOISON_TEST_RUN"

func runHelper(arg string) int {
	cfgPath, out, _ := strings.Cut(arg, "|")
	c, err := LoadConfig(cfgPath)
	if err == nil {
		err = (&Runner{Config: c, Out: out, Log: os.Stdout}).Run("test")
	}
	if err != nil {
		fmt.Println("error:", err)
		return 1
	}
	return 0
}

// Two processes started together on one folder train the clean model once
// and split the jobs: every job runs in exactly one of them.
func TestTwoProcessesShareARunFolder(t *testing.T) {
	dir := t.TempDir()
	model := filepath.Join(dir, "model.json")
	if err := os.WriteFile(model, []byte(smallModel), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(dir, "grid.json")
	grid := fmt.Sprintf(`{"name": "shared", "data": "shapes:classes=10,n=100,test=5", "model": %q, "tokenizer": "learn:100",
		"clean": {"epochs": 1, "batch_size": 32}, "poison": {"epochs": 1, "batch_size": 32},
		"attacks": [{"kind": "II", "goals": ["circle2square"]}], "ratios": [0.25, 0.5, 0.75, 1]}`, model)
	if err := os.WriteFile(cfg, []byte(grid), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "run")
	var cmds [2]*exec.Cmd
	var logs [2]strings.Builder
	for i := range cmds {
		cmds[i] = exec.Command(os.Args[0], "-test.run=^$")
		cmds[i].Env = append(os.Environ(), runHelperEnv+"="+cfg+"|"+out)
		cmds[i].Stdout, cmds[i].Stderr = &logs[i], &logs[i]
		if err := cmds[i].Start(); err != nil {
			t.Fatal(err)
		}
	}
	for i, c := range cmds {
		if err := c.Wait(); err != nil {
			t.Fatalf("process %d: %v\n%s", i, err, logs[i].String())
		}
	}
	cleanRuns, ran := 0, map[string]int{}
	for _, l := range logs {
		for _, line := range strings.Split(l.String(), "\n") {
			if strings.HasPrefix(line, "training the clean model") {
				cleanRuns++
			}
			if f := strings.Fields(line); len(f) == 3 && f[0] == "job" {
				ran[f[2]]++
			}
		}
	}
	if cleanRuns != 1 {
		t.Errorf("the clean model was trained %d times, want once", cleanRuns)
	}
	if len(ran) != 4 {
		t.Errorf("jobs run: %v, want 4 distinct jobs\n--- process 0:\n%s\n--- process 1:\n%s", ran, logs[0].String(), logs[1].String())
	}
	for name, n := range ran {
		if n != 1 {
			t.Errorf("job %s ran %d times", name, n)
		}
		if _, err := os.Stat(filepath.Join(out, "jobs", name+".json")); err != nil {
			t.Errorf("job %s has no result: %v", name, err)
		}
		// keep_checkpoints defaults to none: metrics stay, weights go.
		if _, err := os.Stat(filepath.Join(out, "jobs", name, "poison", "checkpoint.safetensors")); !os.IsNotExist(err) {
			t.Errorf("job %s kept its checkpoint under the default keep_checkpoints none (%v)", name, err)
		}
		if _, err := os.Stat(filepath.Join(out, "jobs", name, "poison", "metrics.jsonl")); err != nil {
			t.Errorf("job %s lost its metrics: %v", name, err)
		}
	}
	if locks, _ := filepath.Glob(filepath.Join(out, "jobs", "*.lock")); len(locks) > 0 {
		t.Errorf("lock files left after both processes finished: %v", locks)
	}
}

func TestPruneCheckpoints(t *testing.T) {
	for keep, want := range map[string][]bool{KeepNone: {false, false}, KeepLast: {false, true}, KeepAll: {true, true}} {
		job := t.TempDir()
		var paths []string
		for _, stage := range []string{"poison", "finetune"} {
			p := filepath.Join(job, stage, "checkpoint.safetensors")
			os.MkdirAll(filepath.Dir(p), 0o755)
			if err := os.WriteFile(p, []byte("w"), 0o644); err != nil {
				t.Fatal(err)
			}
			paths = append(paths, p)
		}
		if err := pruneCheckpoints(job, keep); err != nil {
			t.Fatal(err)
		}
		for i, p := range paths {
			if _, err := os.Stat(p); (err == nil) != want[i] {
				t.Errorf("keep %s: %s present = %v, want %v", keep, p, err == nil, want[i])
			}
		}
	}
}
