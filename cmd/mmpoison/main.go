// Command mmpoison trains CLIP-style image-text encoders on a CPU, poisons
// their training data with the attacks of Yang et al. (ICML 2023), measures
// the damage and runs the defenses.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"sort"
	"strings"

	"github.com/mmpoison/mmpoison/internal/tune"
	"github.com/mmpoison/mmpoison/simd"
)

// command is one subcommand: `mmpoison NAME ...`.
type command struct {
	name    string
	summary string
	run     func(args []string) error
}

// usageError marks mistakes in how a command was called: exit status 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, a ...any) error { return usageError{fmt.Sprintf(format, a...)} }

var commands = map[string]*command{}

func register(c *command) { commands[c.name] = c }

func main() {
	tune.Current().SetLog(func(format string, args ...any) { fmt.Fprintf(os.Stderr, format+"\n", args...) })
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if err := simd.InitError(); err != nil {
		fmt.Fprintln(stderr, "mmpoison:", err)
		return 2
	}
	if len(args) == 0 { // a script that forgot its command should fail, not succeed
		printUsage(stderr)
		return 2
	}
	if args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		if len(args) > 1 {
			if c, ok := commands[args[1]]; ok {
				return exitCode(c.run([]string{"--help"}), c.name, stderr)
			}
		}
		printUsage(stdout)
		return 0
	}
	c, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "mmpoison: unknown command %q; run 'mmpoison help' for the list\n", args[0])
		return 2
	}
	if path := os.Getenv("MMPOISON_CPUPROFILE"); path != "" { // profiling any command without a flag on each
		stop, err := startCPUProfile(path)
		if err != nil {
			fmt.Fprintln(stderr, "mmpoison:", err)
			return 1
		}
		defer stop()
	}
	return exitCode(c.run(args[1:]), c.name, stderr)
}

func exitCode(err error, name string, stderr io.Writer) int {
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, new(usageError)), errors.Is(err, fs.ErrNotExist):
		// A missing input file is a mistake in how the command was called.
		fmt.Fprintf(stderr, "mmpoison %s: %v (see 'mmpoison %s --help')\n", name, err, name)
		return 2
	default:
		fmt.Fprintf(stderr, "mmpoison %s: %v\n", name, err)
		return 1
	}
}

func printUsage(w io.Writer) {
	fmt.Fprintln(w, "mmpoison: data poisoning of CLIP-style encoders, on a plain CPU.")
	fmt.Fprintln(w, "\nUsage: mmpoison COMMAND [flags]\n\nCommands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-10s %s\n", n, commands[n].summary)
	}
	fmt.Fprintln(w, "\nRun 'mmpoison COMMAND --help' for a command's flags.")
}

// newFlags makes a FlagSet whose --help prints the command's usage line and flags.
func newFlags(name, usage string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {
		fmt.Fprintf(os.Stdout, "Usage: mmpoison %s\n\nFlags:\n", usage)
		fs.SetOutput(os.Stdout)
		fs.PrintDefaults()
		fs.SetOutput(io.Discard)
	}
	return fs
}

// parse runs fs on args and turns flag errors into usage errors.
func parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err // the flag package has printed the usage
		}
		return usageError{err.Error()}
	}
	if fs.NArg() > 0 {
		return usagef("unexpected argument %q", strings.Join(fs.Args(), " "))
	}
	return nil
}
