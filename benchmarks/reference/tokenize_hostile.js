// tokenize_hostile.js encodes one of BenchmarkHostileInputs' inputs with
// Hugging Face tokenizers (npm tokenizers) and prints the time; run it under
// /usr/bin/time -v for the peak resident memory:
//
//   NODE_PATH=DIR/node_modules /usr/bin/time -v node benchmarks/reference/tokenize_hostile.js run  GPT2_JSON
//   NODE_PATH=DIR/node_modules /usr/bin/time -v node benchmarks/reference/tokenize_hostile.js line BERT_VOCAB_TXT
//
// run: 10,000,000 times "a" through a GPT-2 tokenizer.json (goformer's
// R50K().Save writes one); line: the 13.7 MB line of the benchmark (the
// SOTU sample repeated) through bert-base-uncased built from its vocab.txt.
'use strict';

const fs = require('fs');
const path = require('path');
const t = require('tokenizers');

(async () => {
  const [what, file] = process.argv.slice(2);
  let tok;
  let text;
  if (what === 'run') {
    tok = t.Tokenizer.fromFile(file);
    text = 'a'.repeat(10_000_000);
  } else {
    tok = new t.Tokenizer(await t.WordPiece.fromFile(file, { unkToken: '[UNK]' }));
    tok.setNormalizer(t.bertNormalizer({ lowercase: true }));
    tok.setPreTokenizer(t.bertPreTokenizer());
    tok.setPostProcessor(t.bertProcessing(['[SEP]', tok.tokenToId('[SEP]')], ['[CLS]', tok.tokenToId('[CLS]')]));
    const sample = fs.readFileSync(path.join(__dirname, '../../tokenize/unigram/testdata/sotu_small.txt'), 'utf8').replace(/\n/g, ' ');
    const n = 13_700_000;
    text = sample.repeat(Math.floor(n / sample.length) + 1).slice(0, n);
  }
  const t0 = process.hrtime.bigint();
  const e = await tok.encode(text);
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  console.log(`hf ${what}: ${e.getIds().length} tokens in ${s.toFixed(2)} s, ${(text.length / 1e6 / s).toFixed(2)} MB/s`);
})();
