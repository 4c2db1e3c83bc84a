// hard_fixtures.js writes tokenize/testdata/hard/: a corpus of hard cases
// (literal special tokens, equal-score segmentations, long runs of one
// character, unusual Unicode) and what the reference tools do with it:
//
//   corpus.json.gz        the documents (UTF-8 text)
//   tiktoken.json.gz      npm tiktoken 1.0.22 on r50k_base, cl100k_base and
//                         o200k_base: encode_ordinary, and encode with the
//                         allowed/disallowed special sets of SPECIAL_CALLS
//                         (the ids, or the special token named in the error)
//   bert.json.gz          npm tokenizers 0.23.2 set up as bert-base-uncased
//                         (the shipped vocabulary): encode, and encode with
//                         the special tokens left out of the added vocabulary
//                         (what split_special_tokens=True gives)
//   unigram_*.json.gz     Unigram tokenizer.json files (see below) and
//   unigram_*.expect.json.gz  Hugging Face's ids and offsets for each
//                         document, or its error
//
// The Unigram models: "nounk" is what Hugging Face's Unigram trainer writes
// with its defaults (no unknown piece), trained on the committed
// tokenize/unigram/testdata/sotu_small.txt plus numerals in several bases;
// "unk" is the same vocabulary with "<unk>" added as piece 0; "bytes"
// adds the 256 byte pieces with byte fallback; "ties" is a small hand-made
// vocabulary of digit strings whose scores make different segmentations
// score the same up to float64 rounding.
//
// CI never runs it. From the repository root, with the npm packages
// tiktoken@1.0.22 and tokenizers@0.23.2 installed in a git-ignored folder
// (.scratch/ref here):
//
//   NODE_PATH=.scratch/ref/node_modules node tokenize/testdata/gen/hard_fixtures.js
'use strict';

const fs = require('fs');
const path = require('path');
const os = require('os');
const zlib = require('zlib');
const tiktoken = require('tiktoken');
const t = require('tokenizers');

const root = path.resolve(__dirname, '../../..');
const outDir = path.join(root, 'tokenize/testdata/hard');
fs.mkdirSync(outDir, { recursive: true });

// mulberry32: a small seeded generator.
function rng(seed) {
  let a = seed >>> 0;
  return function () {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = a;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

const sotu = fs.readFileSync(path.join(root, 'tokenize/unigram/testdata/sotu_small.txt'), 'utf8').split('\n').filter((l) => l);

// numerals writes numbers in several bases, as code and prose have them.
function numerals(r, n) {
  const out = [];
  for (let i = 0; i < n; i++) {
    const v = Math.floor(r() * 0xfffff);
    switch (i % 5) {
      case 0: out.push('0x' + v.toString(16)); break;
      case 1: out.push('0o' + v.toString(8)); break;
      case 2: out.push('(' + v.toString(10) + ')'); break;
      case 3: out.push('0b' + (v & 0xff).toString(2)); break;
      default: out.push(v.toString(16).toUpperCase());
    }
  }
  return out;
}

function corpus() {
  const r = rng(17);
  const docs = [
    // Literal special tokens of tiktoken, BERT and SentencePiece.
    '<|endoftext|>', 'a<|endoftext|>b', '<|endoftext|><|endoftext|>', 'prompt: ignore that <|endoftext|> and go on',
    '<|endoftext', 'endoftext|>', '<|fim_prefix|>def f(<|fim_suffix|>):<|fim_middle|>', '<|endofprompt|>x', '< |endoftext| >',
    'x <|fim_prefix|> y <|endoftext|> z', '<|endoftext|>\n\n<|endofprompt|>',
    '[CLS] hello [SEP] world [SEP]', '[SEP][SEP][MASK]', 'un[MASK]ed', '[PAD] [UNK] [cls] [Sep]', '[ CLS ]',
    '<unk>', 'a <unk> b', '☃<unk>☃', '<unk><unk>', '<s> </s> <pad>', '<0x41><0xE2>', 'snow ☃ man ⚗ x',
    // Segmentations that tie.
    '0o5333)', '0xefff', '0o777 0x0 0xffff 5333 3533 33335 0o53335', '(5333) [0xefff] {0o3353}',
    '1111 2222 3333 11 22 33 111 222 333 12121 21212', '0x1a2b3c 0XABCDEF 0o1234567',
    // Unicode.
    'Héllo wörld, ÉCOLE Ça fait 3 ½ ﬁnance', 'e\u0301 a\u0308\u0304 \u1e9b\u0323', '中文字符 and 日本語のテキスト 한국어',
    'مرحبا بالعالم', 'नमस्ते दुनिया', '👨‍👩‍👧‍👦 👍🏽 🇺🇸 😀😀', 'İstanbul ǅemal ß ﬀ ＦＵＬＬ　ｗｉｄｔｈ', '\ufffd\u200b\u00ad\ufeff x',
    'tabs\tand\nnewlines\r\nhere   ', '',
    // Long runs of one character (or one pair).
    'a'.repeat(20000), ' '.repeat(3000), '1'.repeat(3000), 'ab'.repeat(3000), '😀'.repeat(1000),
    '\n'.repeat(2000), 'é'.repeat(3000), '.'.repeat(4000), 'x ' + 'z'.repeat(5000) + ' y',
  ];
  for (let i = 0; i < 40; i++) docs.push(sotu[(i * 37) % sotu.length]);
  for (let i = 0; i < 20; i++) docs.push(numerals(r, 8).join(' '));
  return docs;
}

function gz(name, obj) {
  fs.writeFileSync(path.join(outDir, name), zlib.gzipSync(Buffer.from(JSON.stringify(obj)), { level: 9 }));
  console.log(name, fs.statSync(path.join(outDir, name)).size);
}

// SPECIAL_CALLS are the (allowed_special, disallowed_special) pairs tried.
const SPECIAL_CALLS = [
  { name: 'default', allowed: undefined, disallowed: undefined },
  { name: 'allowed_all', allowed: 'all', disallowed: undefined },
  { name: 'allowed_eot', allowed: ['<|endoftext|>'], disallowed: undefined },
  { name: 'disallowed_none', allowed: [], disallowed: [] },
  { name: 'allowed_eot_disallowed_none', allowed: ['<|endoftext|>'], disallowed: [] },
  { name: 'disallowed_eot', allowed: [], disallowed: ['<|endoftext|>'] },
];

function tiktokenFixture(docs) {
  const out = { calls: SPECIAL_CALLS.map((c) => ({ name: c.name, allowed: c.allowed, disallowed: c.disallowed })), encodings: {} };
  for (const name of ['r50k_base', 'cl100k_base', 'o200k_base']) {
    const enc = tiktoken.get_encoding(name);
    const rows = [];
    for (const d of docs) {
      const row = { ordinary: Array.from(enc.encode_ordinary(d)) };
      for (const c of SPECIAL_CALLS) {
        try {
          row[c.name] = Array.from(enc.encode(d, c.allowed, c.disallowed));
        } catch (e) {
          const m = /not allowed: (.*)$/.exec(e.message);
          if (!m) throw e;
          row[c.name] = { error: m[1] };
        }
      }
      rows.push(row);
    }
    enc.free();
    out.encodings[name] = rows;
  }
  return out;
}

async function bertFixture(docs) {
  const tmp = path.join(os.tmpdir(), 'goformer-hard-bert-vocab.txt');
  fs.writeFileSync(tmp, zlib.gunzipSync(fs.readFileSync(path.join(root, 'tokenize/data/bert-base-uncased-vocab.txt.gz'))));
  const build = async (specials) => {
    const tok = new t.Tokenizer(await t.WordPiece.fromFile(tmp, { unkToken: '[UNK]' }));
    tok.setNormalizer(t.bertNormalizer({ lowercase: true }));
    tok.setPreTokenizer(t.bertPreTokenizer());
    tok.setPostProcessor(t.bertProcessing(['[SEP]', tok.tokenToId('[SEP]')], ['[CLS]', tok.tokenToId('[CLS]')]));
    if (specials) tok.addSpecialTokens(['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]']);
    return tok;
  };
  const withSpecials = await build(true);
  const asText = await build(false);
  const rows = [];
  for (const d of docs) {
    rows.push({ match: (await withSpecials.encode(d)).getIds(), as_text: (await asText.encode(d)).getIds() });
  }
  return rows;
}

// unigramFixture saves a Unigram tokenizer (Metaspace pre-tokenizer and
// decoder) and records what Hugging Face does with every document.
async function unigramFixture(name, vocab, unkId, byteFallback, docs) {
  const opts = {};
  if (unkId != null) opts.unkId = unkId;
  if (byteFallback) opts.byteFallback = true;
  const tok = new t.Tokenizer(t.Unigram.init(vocab, opts));
  tok.setPreTokenizer(t.metaspacePreTokenizer());
  tok.setDecoder(t.metaspaceDecoder());
  const file = path.join(os.tmpdir(), 'goformer-hard-' + name + '.json');
  tok.save(file, false);
  const loaded = t.Tokenizer.fromFile(file);
  const rows = [];
  for (const d of docs) {
    try {
      const e = await loaded.encode(d);
      rows.push({ ids: e.getIds(), offsets: e.getOffsets().flat() });
    } catch (e) {
      rows.push({ error: String(e.message || e) });
    }
  }
  fs.writeFileSync(path.join(outDir, 'unigram_' + name + '.json.gz'), zlib.gzipSync(fs.readFileSync(file), { level: 9 }));
  gz('unigram_' + name + '.expect.json.gz', rows);
}

function tiesVocab() {
  // Scores that are sums of decimals, so that segmentations equal in real
  // arithmetic differ (or not) in the last bits of float64.
  const v = [['<unk>', 0]];
  const digits = '0123456789abcdefox()';
  for (const c of digits) v.push(['▁' + c, -2.3], [c, -1.1]);
  for (const a of '0135ef') {
    for (const b of '0135ef') {
      v.push([a + b, -2.2]);
      v.push(['▁' + a + b, -3.4]);
      v.push([a + b + b, -3.3]);
    }
  }
  v.push(['▁0o', -1.2], ['▁0x', -1.2], ['0o5', -3.5], ['33', -2.2000000000000006], ['333', -3.3000000000000003]);
  v.push(['▁', -1.0]);
  // Keep the first of any repeated piece.
  const seen = new Set();
  return v.filter(([p]) => (seen.has(p) ? false : (seen.add(p), true)));
}

(async () => {
  const docs = corpus();
  gz('corpus.json.gz', docs);
  gz('tiktoken.json.gz', tiktokenFixture(docs));
  gz('bert.json.gz', await bertFixture(docs));

  // Train with Hugging Face's default Unigram trainer.
  const trainFile = path.join(os.tmpdir(), 'goformer-hard-unigram-train.txt');
  fs.writeFileSync(trainFile, sotu.join('\n') + '\n' + numerals(rng(5), 3000).join(' ') + '\n');
  const tr = new t.Tokenizer(t.Unigram.empty());
  tr.setPreTokenizer(t.metaspacePreTokenizer());
  tr.train([trainFile]);
  const trained = path.join(os.tmpdir(), 'goformer-hard-unigram-trained.json');
  tr.save(trained, false);
  const j = JSON.parse(fs.readFileSync(trained, 'utf8'));
  if (j.model.unk_id != null) throw new Error('the default trainer wrote an unknown piece');
  const vocab = j.model.vocab;
  await unigramFixture('nounk', vocab, null, false, docs);
  await unigramFixture('unk', [['<unk>', 0]].concat(vocab), 0, false, docs);
  const bytes = [];
  for (let b = 0; b < 256; b++) bytes.push(['<0x' + b.toString(16).toUpperCase().padStart(2, '0') + '>', 0]);
  await unigramFixture('bytes', [['<unk>', 0]].concat(vocab, bytes), 0, true, docs);
  await unigramFixture('ties', tiesVocab(), 0, false, docs);
})();
