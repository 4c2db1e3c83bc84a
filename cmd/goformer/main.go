// Command goformer is the command-line front end of the goformer library.
//
// Usage:
//
//	goformer <command> [subcommand] [flags]
//	goformer help <command> [subcommand]
//
// Each command lives in its own file and registers itself with [register]
// from an init function: either a run function, or a usage text and a list
// of subcommands that [dispatch] chooses from. Flag sets come from
// [newFlagSet] and are parsed with [parseFlags], so that every command
// treats -h and bad flags alike: -h prints the usage and exits 0; an
// unknown flag or a missing or invalid argument prints one message (then
// the usage) and exits 2; a failure of the work itself exits 1.
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
)

// command is one top-level verb of the CLI.
type command struct {
	name    string
	summary string
	// run executes the command with the arguments that follow its name.
	// It writes results to stdout and diagnostics to stderr. A command
	// with subcommands leaves run nil and sets usage, noun and subs.
	run func(args []string, stdin io.Reader, stdout, stderr io.Writer) error
	// usage is the help text of a command with subcommands; noun is what
	// it calls them ("subcommand", "metric"; "subcommand" if empty).
	usage string
	noun  string
	subs  []subcommand
}

var commands = map[string]command{}

// subcommand is one verb under a command, as "encode" in
// `goformer tokenize encode`.
type subcommand struct {
	name    string
	aliases []string
	run     func(args []string, stdin io.Reader, stdout, stderr io.Writer) error
}

// usageError is an error in how a command was called: an unknown flag, a
// missing or unexpected argument, an invalid value. run prints it, then the
// usage when one is attached, and exits with status 2.
type usageError struct {
	err error
	// usage prints the command's usage after the message; nil for none.
	usage func()
	// printed: the flag package has already printed the message and usage.
	printed bool
}

func (e *usageError) Error() string { return e.err.Error() }
func (e *usageError) Unwrap() error { return e.err }

// usageErrorf returns a usageError with a formatted message and no usage.
func usageErrorf(format string, args ...any) error {
	return &usageError{err: fmt.Errorf(format, args...)}
}

// badUsage marks err as a usage error (exit status 2) that prints usage
// (which may be nil) after the message. A nil err stays nil.
func badUsage(err error, usage func()) error {
	if err == nil {
		return nil
	}
	return &usageError{err: err, usage: usage}
}

// withPath wraps err with "op path: " unless err already names path (an
// *fs.PathError from opening or reading it), so that messages name the
// file once: "open x.txt: no such file or directory", not
// "read x.txt: open x.txt: no such file or directory".
func withPath(op, path string, err error) error {
	var pe *fs.PathError
	if err == nil || errors.As(err, &pe) && pe.Path == path {
		return err
	}
	return fmt.Errorf("%s %s: %w", op, path, err)
}

// newFlagSet returns a flag set for a command or subcommand ("embed train")
// that prints its messages and usage to stderr and returns its errors.
func newFlagSet(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}

// parseFlags parses args with fs. For -h it returns flag.ErrHelp (the
// usage is printed; the command succeeds); any other error is a
// usageError the flag package has already printed with the usage.
func parseFlags(fs *flag.FlagSet, args []string) error {
	err := fs.Parse(args)
	if err == nil || errors.Is(err, flag.ErrHelp) {
		return err
	}
	return &usageError{err: err, printed: true}
}

// dispatch runs the subcommand that args[0] names; noun is what the
// command's usage calls its subcommands ("subcommand", "metric"). With no
// arguments, or an unknown subcommand, it returns a usageError that prints
// usage; with help, -h or --help it prints usage to stderr and succeeds.
// "help SUB" is "SUB -h".
func dispatch(usage, noun string, subs []subcommand, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if noun == "" {
		noun = "subcommand"
	}
	printUsage := func() { fmt.Fprint(stderr, usage) }
	if len(args) == 0 {
		return badUsage(errors.New("missing "+noun), printUsage)
	}
	switch args[0] {
	case "help", "-h", "--help":
		if args[0] == "help" && len(args) > 1 {
			return dispatch(usage, noun, subs, []string{args[1], "-h"}, stdin, stdout, stderr)
		}
		printUsage()
		return nil
	}
	names := make([]string, 0, len(subs))
	for _, sc := range subs {
		names = append(names, sc.name)
		if args[0] == sc.name || contains(sc.aliases, args[0]) {
			return sc.run(args[1:], stdin, stdout, stderr)
		}
	}
	return badUsage(fmt.Errorf("unknown %s %q (want %s)", noun, args[0], strings.Join(names, ", ")), printUsage)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// register adds a command; it is called from the init functions of the
// files that implement each command.
func register(c command) {
	if _, dup := commands[c.name]; dup {
		panic("goformer: command registered twice: " + c.name)
	}
	if (c.run == nil) == (c.subs == nil) {
		panic("goformer: command " + c.name + " needs either run or subcommands")
	}
	commands[c.name] = c
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: goformer <command> [arguments]")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "commands:")
	names := make([]string, 0, len(commands))
	width := 0
	for n := range commands {
		names = append(names, n)
		width = max(width, len(n))
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-*s  %s\n", width, n, commands[n].summary)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, `Run "goformer help <command>" for the usage of a command.`)
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// run dispatches to a command and returns the process exit status: 0 on
// success (and for help), 2 for a usage error, 1 for any other failure.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		usage(stderr)
		return 2
	}
	switch args[0] {
	case "help", "-h", "--help":
		if args[0] == "help" && len(args) > 1 {
			// "help CMD [SUB]" is "CMD [SUB] -h".
			return run(append(append([]string(nil), args[1:]...), "-h"), stdin, stdout, stderr)
		}
		usage(stderr)
		return 0
	}
	c, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "goformer: unknown command %q\n\n", args[0])
		usage(stderr)
		return 2
	}
	var err error
	if c.subs != nil {
		err = dispatch(c.usage, c.noun, c.subs, args[1:], stdin, stdout, stderr)
	} else {
		err = c.run(args[1:], stdin, stdout, stderr)
	}
	var ue *usageError
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, &ue):
		if !ue.printed {
			fmt.Fprintf(stderr, "goformer %s: %v\n", c.name, err)
			if ue.usage != nil {
				fmt.Fprintln(stderr)
				ue.usage()
			}
		}
		return 2
	}
	fmt.Fprintf(stderr, "goformer %s: %v\n", c.name, err)
	return 1
}
