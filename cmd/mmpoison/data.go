package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/mmpoison/mmpoison/dataset"
)

func init() {
	register(&command{name: "data", summary: "inspect a dataset or convert it to image,caption,split,label CSV",
		run: func(args []string) error { return runData(args, os.Stdout) }})
}

// dataSubcommands are the verbs of `mmpoison data`.
var dataSubcommands = []struct{ name, summary string }{
	{"inspect", "print image and caption counts per split and per class"},
	{"convert", "write the dataset as an image,caption,split,label CSV or as webdataset shards"},
}

func runData(args []string, w io.Writer) error {
	if len(args) == 0 {
		return usagef("missing subcommand: want one of %s", dataVerbs())
	}
	switch args[0] {
	case "inspect":
		return runDataInspect(args[1:], w)
	case "convert":
		return runDataConvert(args[1:], w)
	case "-h", "-help", "--help", "help":
		fmt.Fprintln(os.Stdout, "Usage: mmpoison data SUBCOMMAND FORMAT:PATH [flags]\n\nSubcommands:")
		for _, s := range dataSubcommands {
			fmt.Fprintf(os.Stdout, "  %-8s %s\n", s.name, s.summary)
		}
		fmt.Fprintf(os.Stdout, "\nDataset formats: %s\n", strings.Join(dataset.Formats, ", "))
		return flag.ErrHelp
	}
	return usagef("unknown subcommand %q: want one of %s", args[0], dataVerbs())
}

func dataVerbs() string {
	names := make([]string, len(dataSubcommands))
	for i, s := range dataSubcommands {
		names[i] = s.name
	}
	return strings.Join(names, ", ")
}

// loadFlags are the dataset-loading flags shared by data inspect, data convert and poison.
type loadFlags struct {
	classes, missing string
}

func (d *loadFlags) addTo(fs *flag.FlagSet) {
	fs.StringVar(&d.classes, "classes", "none", "label rows by caption keywords first: flickr (the built-in Flickr classes), none (keep the loader's labels) or a JSON file of classes")
	fs.StringVar(&d.missing, "missing", "fail", "what to do with captions whose image file is absent: fail, keep or drop")
}

// open reads spec under the flags' missing-image policy and applies the
// requested keyword classes. The report is nil when no classes were assigned.
func (d *loadFlags) open(spec string) (*dataset.Dataset, *dataset.AssignReport, error) {
	policy, err := dataset.ParseMissingPolicy(d.missing)
	if err != nil {
		return nil, nil, usagef("--missing: %v", err)
	}
	specs, err := classSpecs(d.classes)
	if err != nil {
		return nil, nil, err
	}
	if err := checkDataSpec(spec); err != nil {
		return nil, nil, err
	}
	ds, err := dataset.LoadWith(spec, dataset.Options{Missing: policy})
	if err != nil {
		return nil, nil, err
	}
	if specs == nil {
		return ds, nil, nil
	}
	rep := dataset.AssignClasses(ds, specs, 0)
	return ds, &rep, nil
}

// checkDataSpec catches a spec without a format prefix, the commonest slip.
func checkDataSpec(spec string) error {
	if spec == "" {
		return usagef("missing dataset: want FORMAT:PATH, e.g. flickr8k:../shared/data/flickr8k (formats: %s)", strings.Join(dataset.Formats, ", "))
	}
	if !strings.Contains(spec, ":") && spec != "shapes" {
		return usagef("dataset %q: want FORMAT:PATH, e.g. csv:%s (formats: %s)", spec, spec, strings.Join(dataset.Formats, ", "))
	}
	return nil
}

// classSpecs reads --classes: flickr, none, or a .json file of classes.
func classSpecs(v string) ([]dataset.ClassSpec, error) {
	switch strings.ToLower(v) {
	case "", "none", "flickr", "flickr8k", "flickr30k":
	default:
		if !strings.HasSuffix(strings.ToLower(v), ".json") {
			return nil, usagef("--classes %q: want flickr, none or a .json file of classes", v)
		}
	}
	return dataset.ParseClassSpecs(v)
}

// parsePositional parses flags that may come before, between or after the
// positional arguments (`data inspect SPEC --classes flickr`), which the
// flag package alone stops at, and returns the positional arguments.
func parsePositional(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err // the flag package has printed the usage
			}
			return nil, usageError{err.Error()}
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		if consumed := len(args) - len(rest); consumed > 0 && args[consumed-1] == "--" {
			return append(pos, rest...), nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// oneDataset parses args of a command taking exactly one dataset spec.
func oneDataset(fs *flag.FlagSet, args []string) (string, error) {
	pos, err := parsePositional(fs, args)
	if err != nil {
		return "", err
	}
	switch len(pos) {
	case 0:
		return "", checkDataSpec("")
	case 1:
		return pos[0], nil
	}
	return "", usagef("want one dataset, got %d arguments: %s", len(pos), strings.Join(pos, " "))
}

func runDataInspect(args []string, w io.Writer) error {
	fs := newFlags("data inspect", "data inspect FORMAT:PATH [--classes flickr|none|FILE.json] [--missing fail|keep|drop] [--verify | --quick]")
	var df loadFlags
	df.addTo(fs)
	quick := fs.Bool("quick", false, "skip decoding every image (only check that the files exist)")
	fs.Bool("verify", true, "decode every image and list those that fail (the default; --quick skips it)")
	spec, err := oneDataset(fs, args)
	if err != nil {
		return err
	}
	ds, rep, err := df.open(spec)
	if err != nil {
		return err
	}
	if err := dataset.Inspect(ds, w); err != nil {
		return err
	}
	if rep != nil {
		fmt.Fprintf(w, "\nkeyword classes (%s): %d images labelled, %d ambiguous (matched two or more classes, left unlabelled)\n",
			df.classes, rep.Labelled, rep.Ambiguous)
	}
	if *quick {
		return nil
	}
	bad, total := decodeImages(ds, os.Stderr)
	reportBadImages(w, bad, total)
	if len(bad) > 0 && df.missing == "fail" {
		return fmt.Errorf("%d images of %s do not decode (first: %v): replace them, or pass --missing drop to leave them out or --missing keep for caption-only rows", len(bad), spec, bad[0].err)
	}
	return nil
}

func runDataConvert(args []string, w io.Writer) error {
	fs := newFlags("data convert", "data convert FORMAT:PATH --out FILE.csv|DIR [--to csv|wds] [--shard-size N] [--classes flickr|none|FILE.json] [--missing fail|keep|drop]")
	var df loadFlags
	df.addTo(fs)
	out := fs.String("out", "", "CSV file (--to csv; in-memory and archived images go to FILE_images/) or folder of shards (--to wds) to write (required)")
	to := fs.String("to", "csv", "csv (image,caption,split,label) or wds (webdataset tar shards, read back with wds:DIR/shard-{000000..N}.tar)")
	perShard := fs.Int("shard-size", 1000, "samples per webdataset shard (--to wds)")
	spec, err := oneDataset(fs, args)
	if err != nil {
		return err
	}
	if *out == "" {
		return usagef("missing --out (a .csv file, or a folder with --to wds)")
	}
	if *to != "csv" && *to != "wds" {
		return usagef("--to %q: want csv or wds", *to)
	}
	if *perShard < 1 {
		return usagef("--shard-size %d: want at least 1", *perShard)
	}
	ds, _, err := df.open(spec)
	if err != nil {
		return err
	}
	st := dataset.Stats(ds)
	if *to == "wds" {
		shards, err := dataset.WriteWebDataset(ds, *out, *perShard)
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "wrote %d shards to %s: %d images, %d captions; read them with wds:%s\n", len(shards), *out, st.Images, st.Captions,
			filepath.Join(*out, fmt.Sprintf("shard-{000000..%06d}.tar", len(shards)-1)))
		return nil
	}
	if err := dataset.WriteCSV(ds, *out); err != nil {
		return err
	}
	fmt.Fprintf(w, "wrote %s: %d images, %d captions (one line per caption)\n", *out, st.Images, st.Captions)
	return nil
}
