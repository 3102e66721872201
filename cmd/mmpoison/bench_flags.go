package main

import "flag"

// addStepFlags declares the flags bench train and bench embed share.
func addStepFlags(fs *flag.FlagSet, steps, warmup, threads, batch *int, unit string) {
	fs.IntVar(steps, "steps", 20, "timed steps; the median step time is reported")
	fs.IntVar(warmup, "warmup", 3, "untimed steps first")
	fs.IntVar(threads, "threads", 0, "worker threads (0 keeps the current setting, GOMAXPROCS by default)")
	fs.IntVar(batch, "batch", 128, unit+" per step")
}

// checkStepFlags turns bad values of the shared flags into usage errors.
func checkStepFlags(arch string, steps, warmup, threads, batch int) error {
	switch {
	case arch != "resnet" && arch != "vit":
		return usagef("--arch %q: want resnet or vit", arch)
	case steps < 1:
		return usagef("--steps %d: want at least 1", steps)
	case warmup < 0:
		return usagef("--warmup %d: want 0 or more", warmup)
	case threads < 0:
		return usagef("--threads %d: want 0 (keep the current setting) or more", threads)
	case batch < 2:
		return usagef("--batch %d: want at least 2", batch)
	}
	return nil
}
