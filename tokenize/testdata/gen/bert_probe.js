// bert_probe.js records how Hugging Face tokenizers' (npm tokenizers 0.23.2)
// BERT normalizer and pre-tokenizer treat every Unicode code point, so that
// goformer can reproduce the few places where their Unicode tables (older
// than Go's for categories, newer for lower-casing) differ from Go's.
// CI never runs it. Usage:
//
//   NODE_PATH=.scratch/ref/node_modules node tokenize/testdata/gen/bert_probe.js OUT.json
//   go run tokenize/testdata/gen/bert_tables.go OUT.json > tokenize/bert_tables.go
'use strict';
const t = require('tokenizers');
const fs = require('fs');

const clean = t.bertNormalizer({ cleanText: true, handleChineseChars: false, stripAccents: false, lowercase: false });
const strip = t.bertNormalizer({ cleanText: false, handleChineseChars: false, stripAccents: true, lowercase: false });
const lower = t.bertNormalizer({ cleanText: false, handleChineseChars: false, stripAccents: false, lowercase: true });
const pre = t.bertPreTokenizer();
const out = { removed: [], spaced: [], punct: [], strip: [], lower: [] };
for (let cp = 0; cp <= 0x10ffff; cp++) {
  if (cp >= 0xd800 && cp <= 0xdfff) continue;
  const c = String.fromCodePoint(cp);
  const n = clean.normalizeString('a' + c + 'b');
  if (n === 'ab') out.removed.push(cp);
  else if (n === 'a b') out.spaced.push(cp);
  if (pre.preTokenizeString('a' + c + 'b').length === 3) out.punct.push(cp);
  const s = strip.normalizeString(c);
  if (s !== c) out.strip.push([cp, Array.from(s).map((x) => x.codePointAt(0))]);
  const l = lower.normalizeString(c);
  if (l !== c) out.lower.push([cp, Array.from(l).map((x) => x.codePointAt(0))]);
}
fs.writeFileSync(process.argv[2], JSON.stringify(out));
