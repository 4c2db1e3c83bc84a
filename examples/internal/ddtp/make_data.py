#!/usr/bin/python3
"""Builds the two data files of package ddtp from Debian's package
descriptions and their German translations (the Debian Description
Translation Project, DDTP), for examples/translate and examples/summarize.

    /usr/bin/python3 examples/internal/ddtp/make_data.py [WORKDIR]

WORKDIR (a new temporary folder when omitted, removed at the end) receives
a private apt lists folder: apt-get update downloads bookworm's main
Packages and i18n Translation-en / Translation-de files into it, leaving the
system's apt lists alone (apt-get needs root). A WORKDIR that already holds
Packages, Translation-en and Translation-de is used as is, without apt.

English and German entries are joined on Description-md5 (the md5 of the
English description, which every translation carries). Each binary package
is mapped to its source package through Packages, and the split (train,
dev or test) is chosen by a hash of the source package, so that the
binaries of one source (libfoo1, libfoo-dev, libfoo-doc, whose descriptions
are near-copies) never straddle two splits.

  en-de.jsonl.gz  {"package", "source", "split", "en", "de"}: the one-line
                  synopses, English and German, of 2 to 12 English words,
                  one pair per distinct English synopsis.
  summ.jsonl.gz   {"package", "source", "split", "description", "synopsis"}:
                  the English long description (paragraphs joined by a
                  newline, lines by a space, the " ." paragraph marks
                  dropped) of 25 to 90 words, and its English synopsis;
                  one pair per distinct description.

The pairs are sampled (TRANSLATION_PAIRS and SUMMARY_PAIRS, chosen by a
SHA-1 of the package name, which is seeded and stable) and written sorted by
package name; the gzip streams carry no file name or time stamp, so that a
rerun on the same apt files gives the same bytes. The sha256 of the apt
files used is printed, for the provenance in README.md.
"""
import gzip
import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
TRANSLATION_PAIRS = 6000
SUMMARY_PAIRS = 4000
SEED = "ddtp-1"
LANGS = ("en", "de")


def fetch(work):
    """Downloads Packages and Translation-{en,de} into work with apt-get,
    in a private lists folder, and decompresses them."""
    conf = os.path.join(work, "apt-lang.conf")
    with open(conf, "w") as f:
        f.write('#clear Acquire::Languages;\nAcquire::Languages { "en"; "de"; };\n')
    lists = os.path.join(os.path.abspath(work), "lists")  # apt reads a relative path from /var/lib/apt
    os.makedirs(os.path.join(lists, "partial"), exist_ok=True)
    subprocess.run(["apt-get", "-c", conf, "update", "-o", "Dir::State::Lists=" + lists], check=True)
    names = sorted(os.listdir(lists))
    wanted = {"Packages": "binary-amd64_Packages"}
    for lang in LANGS:
        wanted["Translation-" + lang] = "i18n_Translation-" + lang
    for out, suffix in wanted.items():
        pat = re.compile(r"_dists_bookworm_main_" + re.escape(suffix) + r"(\.\w+)?$")
        hits = [n for n in names if pat.search(n)]
        if len(hits) != 1:
            sys.exit(f"expected one bookworm main {suffix} in {lists}, found {hits}")
        with open(os.path.join(work, out), "wb") as f:
            subprocess.run(["/usr/lib/apt/apt-helper", "cat-file", os.path.join(lists, hits[0])], stdout=f, check=True)


def records(path):
    """Yields the stanzas of a Debian control-style file as dicts; a
    multi-line field's value keeps its continuation lines."""
    with open(path, encoding="utf-8", errors="replace") as f:
        rec, key = {}, None
        for line in f:
            line = line.rstrip("\n")
            if not line:
                if rec:
                    yield rec
                rec, key = {}, None
            elif line[0] in " \t" and key:
                rec[key] += "\n" + line
            else:
                key, _, value = line.partition(":")
                rec[key] = value.strip()
        if rec:
            yield rec


def synopsis_and_body(desc):
    """Splits a Description field into its synopsis and its long
    description, the paragraphs joined by newlines."""
    first, _, rest = desc.partition("\n")
    paras, cur = [], []
    for line in rest.split("\n"):
        line = line.strip()
        if line == ".":
            if cur:
                paras.append(" ".join(cur))
            cur = []
        elif line:
            cur.append(line)
    if cur:
        paras.append(" ".join(cur))
    paras = [" ".join(p.split()) for p in paras]
    return " ".join(first.split()), "\n".join(p for p in paras if p)


def key(name):
    return hashlib.sha1((SEED + ":" + name).encode()).hexdigest()


def split_of(source):
    h = int(hashlib.sha1(("split:" + source).encode()).hexdigest(), 16) % 100
    return "test" if h < 8 else "dev" if h < 12 else "train"


def write(path, rows):
    buf = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buf, compresslevel=9, mtime=0) as g:
        for r in rows:
            g.write((json.dumps(r, ensure_ascii=False) + "\n").encode("utf-8"))
    with open(path, "wb") as f:
        f.write(buf.getvalue())
    return len(buf.getvalue())


def main():
    tmp = None
    if len(sys.argv) > 1:
        work = sys.argv[1]
        os.makedirs(work, exist_ok=True)
    else:
        work = tmp = tempfile.mkdtemp(prefix="ddtp-")
    try:
        files = ["Packages"] + ["Translation-" + l for l in LANGS]
        if not all(os.path.exists(os.path.join(work, f)) for f in files):
            fetch(work)
        for f in files:
            with open(os.path.join(work, f), "rb") as fh:
                print(f"{f}: sha256 {hashlib.sha256(fh.read()).hexdigest()}")
        build(work)
    finally:
        if tmp:
            shutil.rmtree(tmp)


def build(work):
    source = {}
    for r in records(os.path.join(work, "Packages")):
        src = r.get("Source", r["Package"]).split()[0]
        source[r["Package"]] = src
    en, de = {}, {}
    for r in records(os.path.join(work, "Translation-en")):
        en.setdefault(r["Description-md5"], (r["Package"], r["Description-en"]))
    for r in records(os.path.join(work, "Translation-de")):
        de.setdefault(r["Description-md5"], r["Description-de"])

    # Translation: synopsis pairs, one per distinct English synopsis.
    pairs = {}
    for md5, (pkg, desc) in en.items():
        if md5 not in de:
            continue
        s_en, _ = synopsis_and_body(desc)
        s_de, _ = synopsis_and_body(de[md5])
        if not s_en or not s_de or not 2 <= len(s_en.split()) <= 12:
            continue
        if s_en not in pairs or key(pkg) < key(pairs[s_en][0]):
            pairs[s_en] = (pkg, s_de)
    chosen = sorted(pairs.items(), key=lambda kv: key(kv[1][0]))[:TRANSLATION_PAIRS]
    rows = [{"package": pkg, "source": source.get(pkg, pkg), "split": split_of(source.get(pkg, pkg)), "en": s_en, "de": s_de}
            for s_en, (pkg, s_de) in chosen]
    rows.sort(key=lambda r: r["package"])
    n = write(os.path.join(HERE, "en-de.jsonl.gz"), rows)
    report("en-de.jsonl.gz", rows, n, len(pairs))

    # Summarization: long description → synopsis, one per description.
    summ = {}
    for md5, (pkg, desc) in en.items():
        syn, body = synopsis_and_body(desc)
        if not syn or not 25 <= len(body.split()) <= 90:
            continue
        if body not in summ or key(pkg) < key(summ[body][0]):
            summ[body] = (pkg, syn)
    chosen = sorted(summ.items(), key=lambda kv: key(kv[1][0]))[:SUMMARY_PAIRS]
    rows = [{"package": pkg, "source": source.get(pkg, pkg), "split": split_of(source.get(pkg, pkg)), "description": body, "synopsis": syn}
            for body, (pkg, syn) in chosen]
    rows.sort(key=lambda r: r["package"])
    n = write(os.path.join(HERE, "summ.jsonl.gz"), rows)
    report("summ.jsonl.gz", rows, n, len(summ))


def report(name, rows, size, available):
    counts = {}
    for r in rows:
        counts[r["split"]] = counts.get(r["split"], 0) + 1
    print(f"{name}: {len(rows)} pairs of {available} ({counts}), {size} bytes")


if __name__ == "__main__":
    main()
