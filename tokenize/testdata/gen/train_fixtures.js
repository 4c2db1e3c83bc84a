// train_fixtures.js trains Hugging Face tokenizers (npm tokenizers 0.23.2,
// whose train() takes no options: BpeTrainer and WordPieceTrainer defaults,
// 30,000 tokens) on State of the Union addresses and saves the results, for
// goformer's trainer parity tests. CI never runs it:
//
//   NODE_PATH=.scratch/ref/node_modules node tokenize/testdata/gen/train_fixtures.js
//       trains on the addresses of 1790-1805 (about 150 KB, written to
//       tokenize/testdata/train/corpus.txt.gz) and writes
//       tokenize/testdata/train/*.json.gz
//   NODE_PATH=.scratch/ref/node_modules node tokenize/testdata/gen/train_fixtures.js --long DIR
//       trains on all addresses (10.8 MB) and writes DIR/train_*.json and
//       DIR/sotu.txt, for the `long` tests
//
// The corpus is the addresses joined one per line (each file is one line),
// exactly as the Go tests rebuild it from the same files.
'use strict';

const fs = require('fs');
const path = require('path');
const os = require('os');
const zlib = require('zlib');
const t = require('tokenizers');
const corpus = require('./corpus.js');

const root = path.resolve(__dirname, '../../..');

function trainAll(text, save) {
  const file = path.join(os.tmpdir(), 'goformer-train-corpus.txt');
  fs.writeFileSync(file, text);
  const setups = {
    bpe_bytelevel: () => { const k = new t.Tokenizer(t.BPE.empty()); k.setPreTokenizer(t.byteLevelPreTokenizer(false, true)); return k; },
    bpe_whitespace: () => { const k = new t.Tokenizer(t.BPE.empty()); k.setPreTokenizer(t.whitespacePreTokenizer()); return k; },
    wordpiece_bert: () => { const k = new t.Tokenizer(t.WordPiece.empty()); k.setNormalizer(t.bertNormalizer({ lowercase: true })); k.setPreTokenizer(t.bertPreTokenizer()); return k; },
  };
  for (const [name, make] of Object.entries(setups)) {
    const k = make();
    const t0 = Date.now();
    k.train([file]);
    console.log(name, 'trained in', (Date.now() - t0) / 1000, 's');
    const out = path.join(os.tmpdir(), 'goformer-train-' + name + '.json');
    k.save(out, false);
    save(name, fs.readFileSync(out));
  }
}

function sotuText(filter) {
  return corpus.sotuFiles().filter(filter).map((f) => fs.readFileSync(f, 'utf8') + '\n').join('');
}

const i = process.argv.indexOf('--long');
if (i >= 0) {
  const dir = path.resolve(process.argv[i + 1] || path.join(root, '.scratch/tokenize/long'));
  fs.mkdirSync(dir, { recursive: true });
  const text = sotuText(() => true);
  fs.writeFileSync(path.join(dir, 'sotu.txt'), text);
  trainAll(text, (name, b) => fs.writeFileSync(path.join(dir, 'train_' + name + '.json'), b));
} else {
  const dir = path.join(root, 'tokenize/testdata/train');
  fs.mkdirSync(dir, { recursive: true });
  const text = sotuText((f) => { const y = parseInt(path.basename(f).slice(0, 4), 10); return y <= 1805; });
  console.log('corpus bytes', Buffer.byteLength(text));
  fs.writeFileSync(path.join(dir, 'corpus.txt.gz'), zlib.gzipSync(Buffer.from(text), { level: 9 }));
  trainAll(text, (name, b) => fs.writeFileSync(path.join(dir, name + '.json.gz'), zlib.gzipSync(b, { level: 9 })));
}
