//go:build linux

package clipmodel

import (
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// A full disk mid-run stops training with an error and leaves the last
// checkpoint loadable, with no temporary file beside it; once there is room,
// --resume finishes the run. The full disk is the file-size limit: with
// SIGXFSZ ignored, a write past RLIMIT_FSIZE fails with EFBIG, just as one
// past the free space fails with ENOSPC.
func TestFullDiskLeavesTheLastCheckpointLoadable(t *testing.T) {
	f := newResumeFixture(t, "basic_resnet")
	dir := t.TempDir()
	if err := f.train(t, dir, false, 12); err != ErrStopped { // one epoch: a checkpoint at step 12
		t.Fatalf("first epoch: %v, want ErrStopped", err)
	}
	ckpt := filepath.Join(dir, CheckpointFile)
	info, err := os.Stat(ckpt)
	if err != nil {
		t.Fatal(err)
	}

	var old syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_FSIZE, &old); err != nil {
		t.Fatal(err)
	}
	signal.Ignore(syscall.SIGXFSZ)
	full := old
	full.Cur = uint64(info.Size() / 2) // room for metrics.jsonl, not for a checkpoint
	if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &full); err != nil {
		t.Fatal(err)
	}
	err = f.train(t, dir, true, 0)
	if err2 := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &old); err2 != nil {
		t.Fatal(err2)
	}
	signal.Reset(syscall.SIGXFSZ)
	if err == nil || !strings.Contains(err.Error(), "checkpoint") {
		t.Fatalf("training on a full disk returned %v, want a checkpoint error", err)
	}
	t.Logf("full disk: %v", err)

	st, _, _, err := ReadCheckpoint(ckpt)
	if err != nil {
		t.Fatalf("last checkpoint after the full disk: %v", err)
	}
	if st.Step != 12 {
		t.Errorf("last checkpoint is at step %d, want 12", st.Step)
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.Contains(e.Name(), ".tmp") {
			t.Errorf("temporary file %s left behind", e.Name())
		}
	}
	if err := f.train(t, dir, true, 0); err != nil {
		t.Fatalf("resume with room again: %v", err)
	}
	if st, _, _, err = ReadCheckpoint(ckpt); err != nil || st.Step != 36 {
		t.Fatalf("after resume: step %d, %v; want step 36", st.Step, err)
	}
}
