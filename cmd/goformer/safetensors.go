package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/goformer/goformer/nn/safetensors"
)

func init() {
	register(command{
		name:    "safetensors",
		summary: "inspect safetensors checkpoints: tensors, dtypes, shapes, metadata",
		run:     runSafetensors,
	})
}

const safetensorsUsage = `usage: goformer safetensors [flags] FILE...

Lists the tensors of safetensors files (name, dtype, shape, bytes), their
metadata and the total number of parameters, after validating each file
as goformer's loader does. A malformed file is reported and makes the
command fail.

flags:
`

func runSafetensors(args []string, _ io.Reader, stdout, stderr io.Writer) error {
	fs := newFlagSet("safetensors", stderr)
	asJSON := fs.Bool("json", false, "print one JSON object per file")
	filter := fs.String("match", "", "list only tensors whose names contain this text")
	summary := fs.Bool("summary", false, "print only the totals and metadata")
	fs.Usage = func() {
		fmt.Fprint(stderr, safetensorsUsage)
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return badUsage(errors.New("no file given"), fs.Usage)
	}
	var failed []string
	for _, path := range fs.Args() {
		if err := inspectSafetensors(path, *asJSON, *filter, *summary, stdout); err != nil {
			fmt.Fprintf(stderr, "goformer safetensors: %v\n", err)
			failed = append(failed, path)
		}
	}
	if len(failed) > 0 {
		return fmt.Errorf("%d of %d files could not be read", len(failed), fs.NArg())
	}
	return nil
}

type stTensor struct {
	Name  string `json:"name"`
	DType string `json:"dtype"`
	Shape []int  `json:"shape"`
	Bytes int64  `json:"bytes"`
}

type stFile struct {
	File     string            `json:"file"`
	Tensors  []stTensor        `json:"tensors,omitempty"`
	Count    int               `json:"count"`
	Params   int64             `json:"parameters"`
	Bytes    int64             `json:"bytes"`
	Metadata map[string]string `json:"metadata,omitempty"`
}

func inspectSafetensors(path string, asJSON bool, filter string, summary bool, w io.Writer) error {
	f, err := safetensors.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	info := stFile{File: path, Metadata: f.Metadata()}
	for _, name := range f.Names() {
		if filter != "" && !strings.Contains(name, filter) {
			continue
		}
		in, _ := f.Info(name)
		info.Count++
		info.Params += int64(in.Numel())
		info.Bytes += in.End - in.Begin
		if !summary {
			info.Tensors = append(info.Tensors, stTensor{Name: name, DType: string(in.DType), Shape: in.Shape, Bytes: in.End - in.Begin})
		}
	}
	if asJSON {
		if info.Tensors == nil && !summary {
			info.Tensors = []stTensor{}
		}
		b, err := json.Marshal(info)
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "%s\n", b)
		return nil
	}
	fmt.Fprintf(w, "%s: %d tensors, %d parameters, %d bytes\n", path, info.Count, info.Params, info.Bytes)
	keys := make([]string, 0, len(info.Metadata))
	for k := range info.Metadata {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(w, "  metadata %s = %q\n", k, info.Metadata[k])
	}
	if len(info.Tensors) > 0 {
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		for _, t := range info.Tensors {
			fmt.Fprintf(tw, "  %s\t%s\t%v\t%d\n", t.Name, t.DType, t.Shape, t.Bytes)
		}
		tw.Flush()
	}
	return nil
}
