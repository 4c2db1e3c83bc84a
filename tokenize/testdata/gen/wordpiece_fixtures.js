// wordpiece_fixtures.js writes the WordPiece parity fixture: the ids,
// offsets and decodings of Hugging Face tokenizers (npm tokenizers 0.23.2)
// set up as BertWordPieceTokenizer (BERT normalizer and pre-tokenizer,
// WordPiece, [CLS]/[SEP] processing, WordPiece decoder), uncased and cased,
// on the compact mixed corpus; plus pairs under truncation and padding.
// CI never runs it:
//
//   NODE_PATH=.scratch/ref/node_modules node tokenize/testdata/gen/wordpiece_fixtures.js
//   NODE_PATH=.scratch/ref/node_modules node tokenize/testdata/gen/wordpiece_fixtures.js --long DIR
//       encodes the >= 5 MB corpus of tiktoken_fixtures.js --long (which must
//       be in DIR already) and writes DIR/ids_bert_{uncased,cased}.bin and
//       DIR/bert_index.json, for the `long` tests
//
// Documents are named as in tiktoken_compact.json.gz, which holds their
// text. Offsets are Hugging Face's character (code point) offsets, written
// flat (start0, end0, start1, ...). Documents
// with invalid UTF-8 are given as the text Go's utf8.DecodeRune reads (each
// invalid byte as U+FFFD), as for the tiktoken fixture.
'use strict';

const fs = require('fs');
const path = require('path');
const zlib = require('zlib');
const os = require('os');
const t = require('tokenizers');
const corpus = require('./corpus.js');

const root = path.resolve(__dirname, '../../..');

async function bert(vocabGz, lowercase) {
  const tmp = path.join(os.tmpdir(), 'goformer-wp-' + path.basename(vocabGz, '.gz'));
  fs.writeFileSync(tmp, zlib.gunzipSync(fs.readFileSync(vocabGz)));
  const tok = new t.Tokenizer(await t.WordPiece.fromFile(tmp, { unkToken: '[UNK]' }));
  tok.setNormalizer(t.bertNormalizer({ lowercase }));
  tok.setPreTokenizer(t.bertPreTokenizer());
  tok.setPostProcessor(t.bertProcessing(['[SEP]', tok.tokenToId('[SEP]')], ['[CLS]', tok.tokenToId('[CLS]')]));
  tok.setDecoder(t.wordPieceDecoder('##', true));
  tok.addSpecialTokens(['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]']);
  return tok;
}

function encJSON(e) {
  return {
    ids: e.getIds(), type_ids: e.getTypeIds(), offsets: e.getOffsets(), special: e.getSpecialTokensMask(),
    attention: e.getAttentionMask(), words: e.getWordIds().map((w) => (w == null ? -1 : w)),
    overflowing: e.getOverflowing().map(encJSON),
  };
}

const PAIRS = [
  ['What is the capital of France?', 'Paris is the capital and most populous city of France, with an estimated population of 2,102,650 residents.'],
  ['Short one.', 'A much longer second sequence that will need to be truncated because it goes on and on and on and on.'],
  ['A long first sequence that goes on and on and on and on and on and on and on and on, with commas, too.', 'Short.'],
  ['Héllo wörld 中文 😀', "Don't stop-believing!!"],
];

const SETTINGS = [
  { name: 'none' },
  { name: 'longest_first_16', trunc: [16, { strategy: 'LongestFirst' }] },
  { name: 'longest_first_16_stride_4', trunc: [16, { strategy: 'LongestFirst', stride: 4 }] },
  { name: 'only_second_20_stride_3', trunc: [20, { strategy: 'OnlySecond', stride: 3 }] },
  { name: 'only_first_24', trunc: [24, { strategy: 'OnlyFirst' }] },
  { name: 'left_12_stride_2', trunc: [12, { strategy: 'LongestFirst', stride: 2, direction: 'left' }] },
  { name: 'pad_right_40', pad: { maxLength: 40, padId: 0, padToken: '[PAD]' } },
  { name: 'pad_left_multiple_8', pad: { direction: 'left', padToMultipleOf: 8, padId: 0, padToken: '[PAD]' } },
  { name: 'trunc_14_pad_16', trunc: [14, { strategy: 'LongestFirst', stride: 2 }], pad: { maxLength: 16, padId: 0, padToken: '[PAD]' } },
];

async function long(dir) {
  const index = JSON.parse(fs.readFileSync(path.join(dir, 'index.json'), 'utf8'));
  const bytes = fs.readFileSync(path.join(dir, 'corpus.bin'));
  const texts = [];
  let off = 0;
  for (const d of index.docs) {
    texts.push(corpus.goDecode(bytes.subarray(off, off + d.len)));
    off += d.len;
  }
  const counts = {};
  for (const [name, file, lower] of [['uncased', 'bert-base-uncased-vocab.txt.gz', true], ['cased', 'bert-cased-vocab.txt.gz', false]]) {
    const tok = await bert(path.join(root, 'tokenize/data', file), lower);
    const out = fs.openSync(path.join(dir, 'ids_bert_' + name + '.bin'), 'w');
    counts[name] = [];
    for (let i = 0; i < texts.length; i += 64) {
      for (const e of await tok.encodeBatch(texts.slice(i, i + 64))) {
        const ids = Uint32Array.from(e.getIds());
        counts[name].push(ids.length);
        fs.writeSync(out, Buffer.from(ids.buffer));
      }
    }
    fs.closeSync(out);
  }
  fs.writeFileSync(path.join(dir, 'bert_index.json'), JSON.stringify({ tokenizers: '0.23.2', counts }));
  console.log('wrote BERT ids for', texts.length, 'documents to', dir);
}

(async () => {
  const li = process.argv.indexOf('--long');
  if (li >= 0) {
    await long(path.resolve(process.argv[li + 1] || path.join(root, '.scratch/tokenize/long')));
    return;
  }
  const docs = corpus.compact();
  const out = { meta: { generator: 'tokenize/testdata/gen/wordpiece_fixtures.js', tokenizers: '0.23.2' } };
  for (const [name, file, lower] of [['uncased', 'bert-base-uncased-vocab.txt.gz', true], ['cased', 'bert-cased-vocab.txt.gz', false]]) {
    const tok = await bert(path.join(root, 'tokenize/data', file), lower);
    const rows = [];
    for (const d of docs) {
      const text = corpus.goDecode(d.bytes);
      const e = await tok.encode(text, null);
      const ids = e.getIds();
      rows.push({ name: d.name, ids, offsets: e.getOffsets().flat(), words: e.getWordIds().map((w) => (w == null ? -1 : w)), decoded: await tok.decode(ids, true) });
    }
    const pairs = [];
    for (const s of SETTINGS) {
      const batch = [];
      for (const p of PAIRS) {
        // Each sequence is encoded whole, without truncation, then
        // post-processed: tokenizers 0.23.1 and later stop encoding at
        // max_length when truncation is set and so lose the overflowing
        // windows (huggingface/tokenizers#2091); post_process alone keeps
        // the documented behaviour of 0.22.
        tok.disableTruncation();
        tok.disablePadding();
        const a = await tok.encode(p[0], null, { addSpecialTokens: false });
        const b = await tok.encode(p[1], null, { addSpecialTokens: false });
        if (s.trunc) tok.setTruncation(s.trunc[0], s.trunc[1]);
        if (s.pad) tok.setPadding(s.pad);
        try {
          batch.push(encJSON(tok.postProcess(a, b, true)));
        } catch (err) {
          batch.push({ error: String(err.message || err) });
        }
      }
      pairs.push({ setting: s.name, trunc: s.trunc || null, pad: s.pad || null, encodings: batch });
    }
    tok.disableTruncation();
    tok.disablePadding();
    out[name] = { docs: rows, pairs };
  }
  out.pairs_input = PAIRS;
  const file = path.join(root, 'tokenize/testdata/wordpiece_compact.json.gz');
  fs.writeFileSync(file, zlib.gzipSync(Buffer.from(JSON.stringify(out)), { level: 9 }));
  console.log('wrote', file, fs.statSync(file).size);
})();
