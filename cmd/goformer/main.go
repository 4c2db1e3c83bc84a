// Command goformer is the command-line front end of the goformer library.
//
// Usage:
//
//	goformer <command> [subcommand] [flags]
//
// Each command lives in its own file and registers itself with [register];
// run `goformer help` for the list.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
)

// command is one top-level verb of the CLI.
type command struct {
	name    string
	summary string
	// run executes the command with the arguments that follow its name.
	// It writes results to stdout and diagnostics to stderr.
	run func(args []string, stdin io.Reader, stdout, stderr io.Writer) error
}

var commands = map[string]command{}

// subcommand is one verb under a command, as "encode" in
// `goformer tokenize encode`.
type subcommand struct {
	name    string
	aliases []string
	run     func(args []string, stdin io.Reader, stdout, stderr io.Writer) error
}

// dispatch runs the subcommand that args[0] names; noun is what the
// command's usage calls its subcommands ("subcommand", "metric"). With no arguments it
// prints usage to stderr and fails; with help, -h or --help it prints usage
// to stderr and succeeds; a subcommand's own -h (flag.ErrHelp, after its
// flag set has printed its flags) succeeds too.
func dispatch(usage, noun string, subs []subcommand, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return errors.New("missing " + noun)
	}
	switch args[0] {
	case "help", "-h", "--help":
		fmt.Fprint(stderr, usage)
		return nil
	}
	names := make([]string, 0, len(subs))
	for _, sc := range subs {
		names = append(names, sc.name)
		if args[0] != sc.name && !contains(sc.aliases, args[0]) {
			continue
		}
		if err := sc.run(args[1:], stdin, stdout, stderr); !errors.Is(err, flag.ErrHelp) {
			return err
		}
		return nil
	}
	fmt.Fprint(stderr, usage)
	return fmt.Errorf("unknown %s %q (want %s)", noun, args[0], strings.Join(names, ", "))
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
	commands[c.name] = c
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: goformer <command> [arguments]")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "commands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-10s %s\n", n, commands[n].summary)
	}
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// run dispatches to a command and returns the process exit status.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(stderr)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	c, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "goformer: unknown command %q\n\n", args[0])
		usage(stderr)
		return 2
	}
	if err := c.run(args[1:], stdin, stdout, stderr); err != nil {
		fmt.Fprintf(stderr, "goformer %s: %v\n", c.name, err)
		return 1
	}
	return 0
}
