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
	"fmt"
	"io"
	"os"
	"sort"
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
