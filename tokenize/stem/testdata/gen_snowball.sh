#!/bin/sh
# Writes snowball_porter.tsv.gz and snowball_english.tsv.gz: Snowball's
# published vocabulary and stemmer output lists for the original Porter
# stemmer and for English (Porter2), as "word<TAB>stem" lines. The lists come
# from Debian's snowball-data package (0+20210120-1), BSD-3-clause; see
# LICENSE.snowball. Run by hand; CI never runs it:
#
#     sh tokenize/stem/testdata/gen_snowball.sh
set -eu
here=$(dirname "$0")
data=/usr/share/snowball/data
for lang in porter english; do
	paste "$data/$lang/voc.txt" "$data/$lang/output.txt" | gzip -9n >"$here/snowball_$lang.tsv.gz"
done
