package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/goformer/goformer/tokenize/lemma"
	"github.com/goformer/goformer/tokenize/stem"
	"github.com/goformer/goformer/tokenize/stopwords"
	"github.com/goformer/goformer/tokenize/text"
)

func init() {
	register(command{
		name:    "text",
		summary: "preprocess text: text normalize|stem|lemma|stopwords|numwords",
		usage:   textUsage,
		subs: []subcommand{
			{name: "normalize", run: textNormalize},
			{name: "stem", run: textStem},
			{name: "lemma", run: textLemma},
			{name: "stopwords", run: textStopwords},
			{name: "numwords", run: textNumwords},
		},
	})
}

const textUsage = `usage: goformer text <subcommand> [flags] [FILE...]

subcommands:
  normalize  clean each line: Unicode forms, case, accents, control
             characters, punctuation, numbers in words, white space
  stem       stem each word (Porter as nltk, or Snowball English)
  lemma      lemmatize each word with WordNet (as nltk's WordNetLemmatizer)
  stopwords  drop stop words (63 languages), or print a list with --list
  numwords   spell numbers in English words

Input is read from the FILEs, or from standard input when there are none or
a FILE is "-"; output goes to standard output, one line per input line.
Words are separated by white space. Run "goformer text <subcommand> -h" for
its flags.
`

// textFlagSet returns a flag set for a text subcommand that prints its
// usage line and flags to stderr.
func textFlagSet(name, usage string, stderr io.Writer) *flag.FlagSet {
	fs := newFlagSet("text "+name, stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: goformer text %s\n\nflags:\n", usage)
		fs.PrintDefaults()
	}
	return fs
}

// textEachLine calls fn on each line of the files (or of stdin), without
// its line ending, and writes what fn returns as a line of stdout.
func textEachLine(files []string, stdin io.Reader, stdout io.Writer, fn func(string) string) error {
	if len(files) == 0 {
		files = []string{"-"}
	}
	w := bufio.NewWriterSize(stdout, 1<<16)
	for _, name := range files {
		if err := textLines(name, stdin, w, fn); err != nil {
			return err
		}
	}
	return w.Flush()
}

// textLines is textEachLine for one file, "-" being stdin.
func textLines(name string, stdin io.Reader, w *bufio.Writer, fn func(string) string) error {
	r := stdin
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return err
		}
		defer f.Close()
		r = f
	}
	br := bufio.NewReaderSize(r, 1<<16)
	for {
		line, err := br.ReadString('\n')
		if line != "" {
			line = strings.TrimSuffix(strings.TrimSuffix(line, "\n"), "\r")
			w.WriteString(fn(line))
			w.WriteByte('\n')
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			if name == "-" {
				name = "standard input"
			}
			return withPath("read", name, err)
		}
	}
}

// textEachWord applies fn to each white-space-separated word of a line and
// joins the results with single spaces.
func textEachWord(fn func(string) string) func(string) string {
	return func(line string) string {
		words := strings.Fields(line)
		for i, w := range words {
			words[i] = fn(w)
		}
		return strings.Join(words, " ")
	}
}

func textNormalize(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := textFlagSet("normalize", "normalize [flags] [FILE...]\n\nThe chosen steps run in this order: --remove-control, --form, --lower,\n--fold, --strip-accents, --numbers, --remove-punct, --remove-symbols,\n--fold-space: numbers are spelled out before punctuation and symbols go\n(3.5 km → three point five km), and without hyphens when punctuation\ngoes. Without flags, invalid UTF-8 is repaired and nothing else.", stderr)
	control := fs.Bool("remove-control", false, "remove control and format characters (zero-width spaces, ...) and invalid bytes")
	form := fs.String("form", "", "Unicode normal form: nfc, nfd, nfkc or nfkd")
	lower := fs.Bool("lower", false, "lower-case (Unicode, like Python's str.lower)")
	fold := fs.Bool("fold", false, "case-fold (for caseless matching; ß → ss)")
	accents := fs.Bool("strip-accents", false, "remove diacritics (é → e)")
	punct := fs.Bool("remove-punct", false, "remove punctuation")
	symbols := fs.Bool("remove-symbols", false, "remove symbols (currency, maths, emoji)")
	numbers := fs.Bool("numbers", false, "spell numbers in words ($3.50 → three dollars and fifty cents)")
	years := fs.Bool("years", false, "with --numbers, read 1000-2099 as years (1999 → nineteen ninety-nine)")
	british := fs.Bool("british", false, `with --numbers, say "and" (one hundred and one)`)
	space := fs.Bool("fold-space", false, "fold runs of white space into one space and trim")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	st := text.Steps{
		RemoveControl:     *control,
		Form:              *form,
		Lower:             *lower,
		Fold:              *fold,
		StripAccents:      *accents,
		RemovePunctuation: *punct,
		RemoveSymbols:     *symbols,
		FoldWhitespace:    *space,
	}
	if *numbers {
		st.Numbers = &text.Speller{Years: *years, And: *british}
	}
	normalize, err := st.Func()
	if err != nil {
		return badUsage(fmt.Errorf("--form: %w", err), nil)
	}
	return textEachLine(fs.Args(), stdin, stdout, normalize)
}

func textStem(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := textFlagSet("stem", "stem [--algo NAME] [FILE...]", stderr)
	algo := fs.String("algo", "porter", "porter (nltk's default, lower-cases), porter-martin, porter-original, or english (Snowball Porter2, lower-cased first)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	var fn func(string) string
	switch *algo {
	case "porter":
		fn = stem.Porter{Mode: stem.NLTKExtensions}.Stem
	case "porter-martin":
		fn = stem.Porter{Mode: stem.MartinExtensions}.Stem
	case "porter-original":
		fn = stem.Porter{Mode: stem.OriginalAlgorithm}.Stem
	case "english":
		fn = func(w string) string { return stem.English{}.Stem(text.Lower(w)) }
	default:
		return usageErrorf("unknown --algo %q (want porter, porter-martin, porter-original or english)", *algo)
	}
	return textEachLine(fs.Args(), stdin, stdout, textEachWord(fn))
}

func textLemma(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := textFlagSet("lemma", "lemma [--pos POS] [--lower] [FILE...]", stderr)
	posName := fs.String("pos", "n", "part of speech: n, v, a, s, r, a name (noun, verb, ...) or a Penn tag (NN, VBD, ...)")
	lower := fs.Bool("lower", false, "lower-case each word first (WordNet's lemmas are lower case)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	pos, err := lemma.ParsePOS(*posName)
	if err != nil {
		return badUsage(err, nil)
	}
	return textEachLine(fs.Args(), stdin, stdout, textEachWord(func(w string) string {
		if *lower {
			w = text.Lower(w)
		}
		return lemma.Lemmatize(w, pos)
	}))
}

func textStopwords(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := textFlagSet("stopwords", "stopwords [--lang LANG] [--list] [FILE...]", stderr)
	lang := fs.String("lang", "en", "language: ISO 639-1 or 639-3 code or English name")
	list := fs.Bool("list", false, "print the stop words of --lang, one a line, and the codes of all lists with --lang all")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *list && *lang == "all" {
		_, err := fmt.Fprintln(stdout, strings.Join(stopwords.Languages(), "\n"))
		return err
	}
	set, err := stopwords.ForLanguage(*lang)
	if err != nil {
		return badUsage(err, nil)
	}
	if *list {
		_, err := fmt.Fprintln(stdout, strings.Join(set.Words(), "\n"))
		return err
	}
	return textEachLine(fs.Args(), stdin, stdout, func(line string) string {
		return strings.Join(set.Remove(strings.Fields(line)), " ")
	})
}

func textNumwords(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := textFlagSet("numwords", "numwords [flags] [NUMBER...]\n\nWithout NUMBERs, each line of standard input is one number.", stderr)
	ordinal := fs.Bool("ordinal", false, "spell ordinals (21 → twenty-first)")
	year := fs.Bool("year", false, "spell years (1999 → nineteen ninety-nine)")
	british := fs.Bool("british", false, `say "and" (one hundred and one)`)
	commas := fs.Bool("commas", false, "separate groups of thousands with commas")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	sp := text.Speller{And: *british, Commas: *commas}
	spell := func(s string) (string, error) {
		s = strings.TrimSpace(s)
		switch {
		case *year:
			y, err := strconv.Atoi(s)
			if err != nil {
				return "", fmt.Errorf("bad year %q", s)
			}
			return sp.Year(y), nil
		case *ordinal:
			return sp.OrdinalNumber(s)
		}
		return sp.Number(s)
	}
	if fs.NArg() > 0 {
		for _, a := range fs.Args() {
			w, err := spell(a)
			if err != nil {
				return err
			}
			fmt.Fprintln(stdout, w)
		}
		return nil
	}
	var firstErr error
	err := textEachLine(nil, stdin, stdout, func(line string) string {
		w, err := spell(line)
		if err != nil && firstErr == nil {
			firstErr = err
		}
		return w
	})
	if firstErr != nil {
		return firstErr
	}
	return err
}
