package runner

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"time"
)

// Lock is a claim on one stage of a run folder (the clean model, or one
// job), so that processes sharing the folder (pods of one job on a shared
// volume, or a rerun while a run is alive) split the work instead of doing
// it twice. It is an advisory file lock held by the open file: the kernel
// drops it when the holder exits, however it dies, so a lock is never stale.
// The file's content names the holder, for messages only.
type Lock struct {
	f    *os.File
	path string
}

// ErrLocked is returned by TryLock when a live process holds the lock.
var ErrLocked = errors.New("held by another process")

// lockHolder is what a lock file says about its holder.
type lockHolder struct {
	PID     int    `json:"pid"`
	Host    string `json:"host"`
	Started string `json:"started"`
}

func (h lockHolder) String() string {
	return fmt.Sprintf("pid %d on %s since %s", h.PID, h.Host, h.Started)
}

// TryLock claims path without waiting. When another process holds it, the
// error wraps ErrLocked and names the holder.
func TryLock(path string) (*Lock, error) { return lock(path, false) }

// WaitLock claims path, waiting while another process holds it.
func WaitLock(path string) (*Lock, error) { return lock(path, true) }

func lock(path string, wait bool) (*Lock, error) {
	for {
		f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
		if err != nil {
			return nil, fmt.Errorf("lock %s: %w", path, err)
		}
		if err := flock(f, wait); err != nil {
			holder := readHolder(path)
			f.Close()
			if errors.Is(err, ErrLocked) {
				return nil, fmt.Errorf("lock %s: %w (%s)", path, ErrLocked, holder)
			}
			return nil, fmt.Errorf("lock %s: %w", path, err)
		}
		// The holder we waited for may have removed the file on unlocking:
		// then this claim is on a file no one else can see, so try again.
		held, err1 := f.Stat()
		named, err2 := os.Stat(path)
		if err1 != nil || err2 != nil || !os.SameFile(held, named) {
			f.Close()
			continue
		}
		host, _ := os.Hostname()
		b, _ := json.Marshal(lockHolder{PID: os.Getpid(), Host: host, Started: time.Now().UTC().Format(time.RFC3339)})
		if err := f.Truncate(0); err == nil {
			f.WriteAt(append(b, '\n'), 0) // informative only: a failed write leaves the lock valid
		}
		return &Lock{f: f, path: path}, nil
	}
}

// readHolder describes the holder of the lock at path, as far as its file says.
func readHolder(path string) string {
	var h lockHolder
	b, err := os.ReadFile(path)
	if err != nil || json.Unmarshal(b, &h) != nil {
		return "holder unknown"
	}
	return h.String()
}

// Unlock removes the lock file and releases the claim. A process waiting on
// the removed file then finds it gone and claims a new one (see lock).
func (l *Lock) Unlock() error {
	if l == nil || l.f == nil {
		return nil
	}
	err := os.Remove(l.path)
	if cerr := l.f.Close(); err == nil {
		err = cerr
	}
	l.f = nil
	return err
}
