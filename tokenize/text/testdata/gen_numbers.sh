#!/bin/sh
# Writes the number-spelling fixtures behind TestSpellerMatches*:
#   numbers_ntw.tsv.gz     n, toWords(n), toWordsOrdinal(n) from npm
#                          number-to-words 1.2.4 (MIT), for integers up to
#                          2^53-1 in magnitude;
#   numbers_lingua.tsv.gz  s, NUMWORDS(s), ORD(NUMWORDS(s)) from Perl's
#                          Lingua::EN::Inflect 1.905 (Debian
#                          liblingua-en-inflect-perl), for the same integers,
#                          the int64 extremes, integers of up to 66 digits and
#                          decimals.
# The numbers come from gen_numbers.py (seeded). Run by hand; CI never runs
# it. It needs /usr/bin/python3, node with number-to-words installed in
# $NTW_DIR (default .scratch/textprep), and perl with the Debian package:
#
#     (cd .scratch/textprep && npm install number-to-words@1.2.4)
#     sh tokenize/text/testdata/gen_numbers.sh
set -eu
here=$(cd "$(dirname "$0")" && pwd)
ntw=${NTW_DIR:-$here/../../../.scratch/textprep}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
/usr/bin/python3 "$here/gen_numbers.py" "$tmp/ints.txt" "$tmp/all.txt"
NODE_PATH="$ntw/node_modules" node -e '
const n = require("number-to-words");
const lines = require("fs").readFileSync(process.argv[1], "utf8").split("\n").filter(Boolean);
const out = lines.map(s => [s, n.toWords(Number(s)), n.toWordsOrdinal(Number(s))].join("\t"));
process.stdout.write(out.join("\n") + "\n");
' "$tmp/ints.txt" | gzip -9n >"$here/numbers_ntw.tsv.gz"
perl -MLingua::EN::Inflect=NUMWORDS,ORD -ne '
chomp; my $w = NUMWORDS($_); print "$_\t$w\t", ORD($w), "\n";
' "$tmp/all.txt" | gzip -9n >"$here/numbers_lingua.tsv.gz"
