// tiktoken_fixtures.js writes the tiktoken parity fixtures. CI never runs
// it; run it by hand after changing the corpus:
//
//   NODE_PATH=.scratch/ref/node_modules node tokenize/testdata/gen/tiktoken_fixtures.js
//       writes tokenize/testdata/tiktoken_compact.json.gz and
//       tokenize/pattern/testdata/pieces.json.gz
//   NODE_PATH=.scratch/ref/node_modules node tokenize/testdata/gen/tiktoken_fixtures.js --long DIR
//       writes the >= 5 MB corpus and its ids to DIR (for the `long` tests)
//
// The reference is the npm package tiktoken 1.0.22 (Rust core compiled to
// WASM, MIT). JavaScript strings cannot hold invalid UTF-8, so each document
// is handed to tiktoken as the string that Go's utf8.DecodeRune reads from
// its bytes: every byte that does not start a valid encoding becomes U+FFFD.
// The Go tests feed the same replaced text to goformer and compare ids
// exactly; for the raw bytes they check piece boundaries and round trips.
//
// The piece fixture comes from JavaScript's own regex engine running each
// pattern with \s spelled out as Unicode White_Space (as in Rust's regex
// crate; JavaScript's \s differs on U+0085 and U+FEFF) and (?i:...) spelled
// out with simple case folding.
'use strict';

const fs = require('fs');
const path = require('path');
const zlib = require('zlib');
const { get_encoding } = require('tiktoken');
const corpus = require('./corpus.js');

function pkgVersion(name) {
  const base = (process.env.NODE_PATH || path.join(__dirname, '../../../.scratch/ref/node_modules')).split(':')[0];
  return JSON.parse(fs.readFileSync(path.join(base, name, 'package.json'), 'utf8')).version;
}

const WS = '\\t\\n\\v\\f\\r \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
const ci = (s) => s.replace(/[a-z]/g, (c) => (c === 's' ? '[sS\\u017f]' : `[${c}${c.toUpperCase()}]`));
const contr = `(?:${["'s", "'t", "'re", "'ve", "'m", "'ll", "'d"].map(ci).join('|')})`;
const PATTERNS = {
  gpt2: `'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^${WS}\\p{L}\\p{N}]+|[${WS}]+(?![^${WS}])|[${WS}]+`,
  cl100k: `${contr}|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^${WS}\\p{L}\\p{N}]+[\\r\\n]*|[${WS}]*[\\r\\n]+|[${WS}]+(?![^${WS}])|[${WS}]+`,
  o200k: [
    `[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]*[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]+${contr}?`,
    `[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]+[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]*${contr}?`,
    `\\p{N}{1,3}`,
    ` ?[^${WS}\\p{L}\\p{N}]+[\\r\\n/]*`,
    `[${WS}]*[\\r\\n]+`,
    `[${WS}]+(?![^${WS}])`,
    `[${WS}]+`,
  ].join('|'),
};

function pieces(pat, text) {
  const re = new RegExp(pat, 'gu');
  const out = [];
  let last = 0;
  for (const m of text.matchAll(re)) {
    if (m.index !== last) throw new Error(`gap at ${last} in ${JSON.stringify(text)}`);
    out.push(Buffer.byteLength(m[0], 'utf8'));
    last = m.index + m[0].length;
  }
  if (last !== text.length) throw new Error('unmatched tail');
  return out;
}

const ENCODINGS = { r50k: 'r50k_base', cl100k: 'cl100k_base', o200k: 'o200k_base' };

function writeGz(file, obj) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, zlib.gzipSync(Buffer.from(JSON.stringify(obj)), { level: 9 }));
  console.log('wrote', file, fs.statSync(file).size, 'bytes');
}

function compactFixtures(root) {
  const docs = corpus.compact();
  const encs = Object.fromEntries(Object.entries(ENCODINGS).map(([k, v]) => [k, get_encoding(v)]));
  const ids = [];
  const pcs = [];
  for (const d of docs) {
    const text = corpus.goDecode(d.bytes);
    const row = { name: d.name, b64: d.bytes.toString('base64') };
    for (const [k, e] of Object.entries(encs)) row[k] = Array.from(e.encode_ordinary(text));
    if (d.name === 'special-text') {
      for (const [k, e] of Object.entries(encs)) row[k + '_special'] = Array.from(e.encode(text, 'all'));
    }
    ids.push(row);
    const prow = { name: d.name, b64: row.b64 };
    for (const [k, p] of Object.entries(PATTERNS)) prow[k] = pieces(p, text);
    pcs.push(prow);
  }
  const meta = { generator: 'tokenize/testdata/gen/tiktoken_fixtures.js', tiktoken: pkgVersion('tiktoken') };
  writeGz(path.join(root, 'tokenize/testdata/tiktoken_compact.json.gz'), { meta, docs: ids });
  writeGz(path.join(root, 'tokenize/pattern/testdata/pieces.json.gz'), { meta: { ...meta, node: process.versions.node, unicode: process.versions.unicode }, docs: pcs });
  for (const e of Object.values(encs)) e.free();
}

function longFixtures(dir) {
  fs.mkdirSync(dir, { recursive: true });
  const docs = corpus.long();
  const index = [];
  const fd = fs.openSync(path.join(dir, 'corpus.bin'), 'w');
  for (const d of docs) {
    fs.writeSync(fd, d.bytes);
    index.push({ name: d.name, len: d.bytes.length });
  }
  fs.closeSync(fd);
  for (const [k, v] of Object.entries(ENCODINGS)) {
    const e = get_encoding(v);
    const out = fs.openSync(path.join(dir, `ids_${k}.bin`), 'w');
    docs.forEach((d, i) => {
      const ids = e.encode_ordinary(corpus.goDecode(d.bytes));
      index[i][k] = ids.length;
      fs.writeSync(out, Buffer.from(ids.buffer, ids.byteOffset, ids.byteLength));
    });
    fs.closeSync(out);
    e.free();
  }
  fs.writeFileSync(path.join(dir, 'index.json'), JSON.stringify({ tiktoken: pkgVersion('tiktoken'), docs: index }));
  const total = docs.reduce((a, d) => a + d.bytes.length, 0);
  console.log(`wrote ${docs.length} documents, ${total} bytes, to ${dir}`);
}

const root = path.resolve(__dirname, '../../..');
const i = process.argv.indexOf('--long');
if (i >= 0) longFixtures(path.resolve(process.argv[i + 1] || path.join(root, '.scratch/tokenize/long')));
else compactFixtures(root);
