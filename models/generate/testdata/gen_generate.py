"""Reference outputs for package generate.

Writes generate.json: greedy, sampled and beam-search generations of the
gentest.Table model, and the outputs of each logits processor on random
scores. Run from the repository root with Debian's python3 (torch 1.13):

    /usr/bin/python3 models/generate/testdata/gen_generate.py

The generation algorithms are those of Hugging Face transformers'
generate (4.38 and later), written here in plain torch with its names:
the logits processors and warpers (RepetitionPenaltyLogitsProcessor,
NoRepeatNGramLogitsProcessor, MinNewTokensLengthLogitsProcessor,
TemperatureLogitsWarper, TopKLogitsWarper, TopPLogitsWarper), the
greedy/sampling loop of GenerationMixin._sample and beam search
(GenerationMixin._beam_search with BeamSearchScorer and BeamHypotheses).
One thing differs, on purpose: torch.multinomial is replaced by goformer's
seeded draw (a Philox4x32-10 uniform per sequence and step, then the
inverse of the cumulative softmax in float64), so that the samples can be
compared token for token. The model is the twin of gentest.Table, run on
the whole sequence at every step (no cache).
"""

import json
import math
import os

import numpy as np
import torch

M32 = 0xFFFFFFFF


def philox4x32(c, k):
    c = list(c)
    k = list(k)
    for r in range(10):
        if r > 0:
            k[0] = (k[0] + 0x9E3779B9) & M32
            k[1] = (k[1] + 0xBB67AE85) & M32
        p0 = 0xD2511F53 * c[0]
        p1 = 0xCD9E8D57 * c[2]
        hi0, lo0 = p0 >> 32, p0 & M32
        hi1, lo1 = p1 >> 32, p1 & M32
        c = [hi1 ^ c[1] ^ k[0], lo1, hi0 ^ c[3] ^ k[1], lo0]
    return c


def block(seed, b):
    return philox4x32([b & M32, b >> 32, 0, 0], [seed & M32, seed >> 32])


def uniform_draw(seed, sample, i):
    """generate.Source{seed, sample}.Uniform(i)."""
    w = philox4x32([i & M32, i >> 32, sample, 0], [seed & M32, seed >> 32])
    return ((w[0] << 32 | w[1]) >> 11) / float(1 << 53)


class Table:
    """The twin of gentest.Table."""

    def __init__(self, vocab, max_pos, seed):
        self.vocab, self.max_pos = vocab, max_pos
        e = [0]
        cache = {}

        def draw(n, scale):
            out = np.empty(n, dtype=np.float32)
            for i in range(n):
                b = e[0] // 4
                if b not in cache:
                    cache.clear()
                    cache[b] = block(seed, b)
                w = cache[b][e[0] % 4]
                u = (w >> 8) * (1.0 / (1 << 24))
                out[i] = np.float32((2 * u - 1) * scale)
                e[0] += 1
            return out

        v = vocab
        self.last = draw(v * v, 4).reshape(v, v)
        self.prev = draw((v + 1) * v, 2).reshape(v + 1, v)
        self.pos = draw(max_pos * v, 1).reshape(max_pos, v)
        self.bag = draw(v * v, 2).reshape(v, v)

    def logits(self, hist):
        n = len(hist)
        prev = hist[-2] if n >= 2 else self.vocab
        bag = np.zeros(self.vocab, dtype=np.float32)
        for t in hist:
            bag = bag + self.bag[t]
        s = (self.last[hist[-1]] + self.prev[prev]) + self.pos[n - 1]
        return s + bag / np.float32(n)

    def __call__(self, input_ids):
        """Last-position logits [B, V] of input_ids [B, T] (no padding)."""
        rows = [self.logits(r) for r in input_ids.tolist()]
        return torch.from_numpy(np.stack(rows))


# --- Hugging Face's logits processors and warpers -------------------------


class RepetitionPenaltyLogitsProcessor:
    def __init__(self, penalty):
        self.penalty = penalty

    def __call__(self, input_ids, scores):
        score = torch.gather(scores, 1, input_ids)
        score = torch.where(score < 0, score * self.penalty, score / self.penalty)
        return scores.scatter(1, input_ids, score)


def _get_ngrams(ngram_size, prev_input_ids, num_hypos):
    generated_ngrams = [{} for _ in range(num_hypos)]
    for idx in range(num_hypos):
        gen_tokens = prev_input_ids[idx].tolist()
        generated_ngram = generated_ngrams[idx]
        for ngram in zip(*[gen_tokens[i:] for i in range(ngram_size)]):
            prev_ngram_tuple = tuple(ngram[:-1])
            generated_ngram[prev_ngram_tuple] = generated_ngram.get(prev_ngram_tuple, []) + [ngram[-1]]
    return generated_ngrams


def _get_generated_ngrams(banned_ngrams, prev_input_ids, ngram_size, cur_len):
    start_idx = cur_len + 1 - ngram_size
    ngram_idx = tuple(prev_input_ids[start_idx:cur_len].tolist())
    return banned_ngrams.get(ngram_idx, [])


def _calc_banned_ngram_tokens(ngram_size, prev_input_ids, num_hypos, cur_len):
    if cur_len + 1 < ngram_size:
        return [[] for _ in range(num_hypos)]
    generated_ngrams = _get_ngrams(ngram_size, prev_input_ids, num_hypos)
    return [
        _get_generated_ngrams(generated_ngrams[h], prev_input_ids[h], ngram_size, cur_len)
        for h in range(num_hypos)
    ]


class NoRepeatNGramLogitsProcessor:
    def __init__(self, ngram_size):
        self.ngram_size = ngram_size

    def __call__(self, input_ids, scores):
        num_batch_hypotheses = scores.shape[0]
        cur_len = input_ids.shape[-1]
        scores = scores.clone()
        banned = _calc_banned_ngram_tokens(self.ngram_size, input_ids, num_batch_hypotheses, cur_len)
        for i, banned_tokens in enumerate(banned):
            scores[i, banned_tokens] = -float("inf")
        return scores


class MinNewTokensLengthLogitsProcessor:
    def __init__(self, prompt_length_to_skip, min_new_tokens, eos_token_id):
        self.prompt_length_to_skip = prompt_length_to_skip
        self.min_new_tokens = min_new_tokens
        self.eos_token_id = torch.tensor(eos_token_id)

    def __call__(self, input_ids, scores):
        new_tokens_length = input_ids.shape[-1] - self.prompt_length_to_skip
        scores_processed = scores.clone()
        vocab_tensor = torch.arange(scores.shape[-1])
        eos_token_mask = torch.isin(vocab_tensor, self.eos_token_id)
        if new_tokens_length < self.min_new_tokens:
            scores_processed = torch.where(eos_token_mask, -math.inf, scores)
        return scores_processed


class TemperatureLogitsWarper:
    def __init__(self, temperature):
        self.temperature = temperature

    def __call__(self, input_ids, scores):
        return scores / self.temperature


class TopKLogitsWarper:
    def __init__(self, top_k, filter_value=-float("Inf"), min_tokens_to_keep=1):
        self.top_k = max(top_k, min_tokens_to_keep)
        self.filter_value = filter_value

    def __call__(self, input_ids, scores):
        top_k = min(self.top_k, scores.size(-1))
        indices_to_remove = scores < torch.topk(scores, top_k)[0][..., -1, None]
        return scores.masked_fill(indices_to_remove, self.filter_value)


class TopPLogitsWarper:
    def __init__(self, top_p, filter_value=-float("Inf"), min_tokens_to_keep=1):
        self.top_p = top_p
        self.filter_value = filter_value
        self.min_tokens_to_keep = min_tokens_to_keep

    def __call__(self, input_ids, scores):
        sorted_logits, sorted_indices = torch.sort(scores, descending=False)
        cumulative_probs = sorted_logits.softmax(dim=-1).cumsum(dim=-1)
        sorted_indices_to_remove = cumulative_probs <= (1 - self.top_p)
        sorted_indices_to_remove[..., -self.min_tokens_to_keep:] = 0
        indices_to_remove = sorted_indices_to_remove.scatter(1, sorted_indices, sorted_indices_to_remove)
        return scores.masked_fill(indices_to_remove, self.filter_value)


def get_logits_processor(cfg, prompt_len):
    procs = []
    if cfg.get("repetition_penalty", 1.0) != 1.0:
        procs.append(RepetitionPenaltyLogitsProcessor(cfg["repetition_penalty"]))
    if cfg.get("no_repeat_ngram_size", 0) > 0:
        procs.append(NoRepeatNGramLogitsProcessor(cfg["no_repeat_ngram_size"]))
    eos = cfg.get("eos_token_id") or []
    if cfg.get("min_new_tokens", 0) > 0 and eos:
        procs.append(MinNewTokensLengthLogitsProcessor(prompt_len, cfg["min_new_tokens"], eos))
    return procs


def get_logits_warper(cfg):
    warpers = []
    if cfg.get("temperature", 1.0) != 1.0:
        warpers.append(TemperatureLogitsWarper(cfg["temperature"]))
    if cfg.get("top_k", 0) > 0:
        warpers.append(TopKLogitsWarper(cfg["top_k"], min_tokens_to_keep=1))
    if cfg.get("top_p", 1.0) < 1.0:
        warpers.append(TopPLogitsWarper(cfg["top_p"], min_tokens_to_keep=1))
    return warpers


def apply(procs, input_ids, scores):
    for p in procs:
        scores = p(input_ids, scores)
    return scores


def seeded_multinomial(scores, seed, step):
    """goformer's replacement of torch.multinomial(softmax(scores), 1)."""
    out = []
    for j, row in enumerate(scores.tolist()):
        mx = max(row)
        total = 0.0
        for s in row:
            total += math.exp(s - mx)
        target = uniform_draw(seed, j, step) * total
        cum, pick = 0.0, -1
        for i, s in enumerate(row):
            e = math.exp(s - mx)
            if e == 0:
                continue
            cum += e
            pick = i
            if cum > target:
                break
        out.append(pick)
    return torch.tensor(out)


# --- GenerationMixin._sample (greedy and sampling) ------------------------


def sample(model, prompt, cfg):
    n = cfg.get("num_return_sequences", 1)
    do_sample = cfg.get("do_sample", False)
    eos = cfg.get("eos_token_id") or []
    pad_token_id = eos[0] if eos else 0
    input_ids = torch.tensor([prompt] * n)
    prompt_len = len(prompt)
    max_length = prompt_len + cfg["max_new_tokens"]
    processors = get_logits_processor(cfg, prompt_len)
    warpers = get_logits_warper(cfg) if do_sample else []
    unfinished = torch.ones(n, dtype=torch.long)
    logprobs = [[] for _ in range(n)]
    step = 0
    while True:
        next_token_logits = model(input_ids)
        next_token_scores = apply(processors, input_ids, next_token_logits)
        if do_sample:
            next_token_scores = apply(warpers, input_ids, next_token_scores)
            next_tokens = seeded_multinomial(next_token_scores, cfg["seed"], step)
        else:
            next_tokens = torch.argmax(next_token_scores, dim=-1)
        if eos:
            next_tokens = next_tokens * unfinished + pad_token_id * (1 - unfinished)
        raw = torch.log_softmax(next_token_logits.double(), dim=-1)
        for j in range(n):
            if unfinished[j]:
                logprobs[j].append(raw[j, next_tokens[j]].item())
        input_ids = torch.cat([input_ids, next_tokens[:, None]], dim=-1)
        step += 1
        stop = torch.zeros(n, dtype=torch.bool)
        if input_ids.shape[-1] >= max_length:
            stop[:] = True
        if eos:
            stop |= torch.isin(input_ids[:, -1], torch.tensor(eos))
        unfinished = unfinished & ~stop.long()
        if unfinished.max() == 0:
            break
    out = []
    for j in range(n):
        toks = input_ids[j, prompt_len:].tolist()
        finish = "length"
        for i, t in enumerate(toks):
            if t in eos:
                toks, finish = toks[: i + 1], "stop token"
                break
        out.append({"tokens": toks, "logprobs": logprobs[j], "finish": finish})
    return out


# --- Beam search: BeamHypotheses, BeamSearchScorer, _beam_search ---------


class BeamHypotheses:
    def __init__(self, num_beams, length_penalty, early_stopping, max_length=None):
        self.length_penalty = length_penalty
        self.early_stopping = early_stopping
        self.max_length = max_length
        self.num_beams = num_beams
        self.beams = []
        self.worst_score = 1e9

    def __len__(self):
        return len(self.beams)

    def add(self, hyp, sum_logprobs, beam_indices=None, generated_len=None):
        if generated_len is not None:
            score = sum_logprobs / (generated_len ** self.length_penalty)
        else:
            score = sum_logprobs / (hyp.shape[-1] ** self.length_penalty)
        if len(self) < self.num_beams or score > self.worst_score:
            self.beams.append((score, hyp, beam_indices))
            if len(self) > self.num_beams:
                sorted_next_scores = sorted([(s, idx) for idx, (s, _, _) in enumerate(self.beams)])
                del self.beams[sorted_next_scores[0][1]]
                self.worst_score = sorted_next_scores[1][0]
            else:
                self.worst_score = min(score, self.worst_score)

    def is_done(self, best_sum_logprobs, cur_len, decoder_prompt_len=0):
        if len(self) < self.num_beams:
            return False
        if self.early_stopping is True:
            return True
        elif self.early_stopping is False:
            highest_attainable_score = best_sum_logprobs / (cur_len - decoder_prompt_len) ** self.length_penalty
            return self.worst_score >= highest_attainable_score
        else:
            if self.length_penalty > 0.0:
                highest_attainable_score = best_sum_logprobs / (self.max_length - decoder_prompt_len) ** self.length_penalty
            else:
                highest_attainable_score = best_sum_logprobs / (cur_len - decoder_prompt_len) ** self.length_penalty
            return self.worst_score >= highest_attainable_score


class BeamSearchScorer:
    def __init__(self, batch_size, num_beams, length_penalty, do_early_stopping, num_beam_hyps_to_keep, max_length):
        self.num_beams = num_beams
        self.group_size = num_beams
        self.num_beam_hyps_to_keep = num_beam_hyps_to_keep
        self._beam_hyps = [BeamHypotheses(num_beams, length_penalty, do_early_stopping, max_length) for _ in range(batch_size)]
        self._done = torch.tensor([False] * batch_size, dtype=torch.bool)

    @property
    def is_done(self):
        return self._done.all()

    def process(self, input_ids, next_scores, next_tokens, next_indices, pad_token_id, eos_token_id, decoder_prompt_len):
        cur_len = input_ids.shape[-1] + 1
        batch_size = len(self._beam_hyps)
        next_beam_scores = torch.zeros((batch_size, self.group_size), dtype=next_scores.dtype)
        next_beam_tokens = torch.zeros((batch_size, self.group_size), dtype=next_tokens.dtype)
        next_beam_indices = torch.zeros((batch_size, self.group_size), dtype=next_indices.dtype)
        for batch_idx in range(batch_size):
            if self._done[batch_idx]:
                next_beam_scores[batch_idx, :] = 0
                next_beam_tokens[batch_idx, :] = pad_token_id
                next_beam_indices[batch_idx, :] = 0
                continue
            beam_idx = 0
            for beam_token_rank, (next_token, next_score, next_index) in enumerate(
                zip(next_tokens[batch_idx], next_scores[batch_idx], next_indices[batch_idx])
            ):
                batch_beam_idx = batch_idx * self.group_size + next_index
                if (eos_token_id is not None) and (next_token.item() in eos_token_id):
                    if beam_token_rank >= self.group_size:
                        continue
                    # Hugging Face keeps input_ids[batch_beam_idx] and writes
                    # eos_token_id[0] after it in finalize; the stop token
                    # itself is kept here, which changes nothing else.
                    self._beam_hyps[batch_idx].add(
                        torch.cat([input_ids[batch_beam_idx], next_token[None]]), next_score.item(),
                        generated_len=cur_len - decoder_prompt_len
                    )
                else:
                    next_beam_scores[batch_idx, beam_idx] = next_score
                    next_beam_tokens[batch_idx, beam_idx] = next_token
                    next_beam_indices[batch_idx, beam_idx] = batch_beam_idx
                    beam_idx += 1
                if beam_idx == self.group_size:
                    break
            if beam_idx < self.group_size:
                raise ValueError("not enough beams")
            self._done[batch_idx] = self._done[batch_idx] or self._beam_hyps[batch_idx].is_done(
                next_scores[batch_idx].max().item(), cur_len, decoder_prompt_len
            )
        return next_beam_scores.view(-1), next_beam_tokens.view(-1), next_beam_indices.view(-1)

    def finalize(self, input_ids, final_beam_scores, decoder_prompt_len):
        for batch_idx, beam_hyp in enumerate(self._beam_hyps):
            if self._done[batch_idx]:
                continue
            for beam_id in range(self.num_beams):
                batch_beam_idx = batch_idx * self.num_beams + beam_id
                final_score = final_beam_scores[batch_beam_idx].item()
                final_tokens = input_ids[batch_beam_idx]
                generated_len = final_tokens.shape[-1] - decoder_prompt_len
                beam_hyp.add(final_tokens, final_score, generated_len=generated_len)
        best = []
        for beam_hyp in self._beam_hyps:
            sorted_hyps = sorted(beam_hyp.beams, key=lambda x: x[0])
            for _ in range(self.num_beam_hyps_to_keep):
                score, hyp, _ = sorted_hyps.pop()
                best.append((score, hyp))
        return best


def beam_search(model, prompt, cfg):
    num_beams = cfg["num_beams"]
    eos = cfg.get("eos_token_id") or None
    pad_token_id = eos[0] if eos else 0
    prompt_len = len(prompt)
    max_length = prompt_len + cfg["max_new_tokens"]
    es = cfg.get("early_stopping", False)
    scorer = BeamSearchScorer(1, num_beams, cfg.get("length_penalty", 1.0), es,
                              cfg.get("num_return_sequences", 1), max_length)
    processors = get_logits_processor(cfg, prompt_len)
    input_ids = torch.tensor([prompt] * num_beams)
    beam_scores = torch.zeros((1, num_beams), dtype=torch.float)
    beam_scores[:, 1:] = -1e9
    beam_scores = beam_scores.view((num_beams,))
    cur_len = prompt_len
    n_eos = len(eos) if eos else 0
    while True:
        next_token_logits = model(input_ids)
        next_token_scores = torch.nn.functional.log_softmax(next_token_logits, dim=-1)
        next_token_scores_processed = apply(processors, input_ids, next_token_scores)
        next_token_scores = next_token_scores_processed + beam_scores[:, None].expand_as(next_token_scores_processed)
        vocab_size = next_token_scores.shape[-1]
        next_token_scores = next_token_scores.view(1, num_beams * vocab_size)
        next_token_scores, next_tokens = torch.topk(
            next_token_scores, max(2, 1 + n_eos) * num_beams, dim=1, largest=True, sorted=True
        )
        next_indices = torch.div(next_tokens, vocab_size, rounding_mode="floor")
        next_tokens = next_tokens % vocab_size
        beam_scores, beam_next_tokens, beam_idx = scorer.process(
            input_ids, next_token_scores, next_tokens, next_indices, pad_token_id, eos, prompt_len
        )
        input_ids = torch.cat([input_ids[beam_idx, :], beam_next_tokens.unsqueeze(-1)], dim=-1)
        cur_len += 1
        if scorer.is_done or cur_len >= max_length:
            break
    best = scorer.finalize(input_ids, beam_scores, prompt_len)
    out = []
    for score, hyp in best:
        toks = hyp[prompt_len:].tolist()
        finish = "stop token" if eos and toks[-1] in eos else "length"
        out.append({"tokens": toks, "score": score, "finish": finish})
    return out


def run_case(model, prompts, cfg):
    results = []
    for p in prompts:
        if cfg.get("num_beams", 1) > 1:
            results.append(beam_search(model, p, cfg))
        else:
            results.append(sample(model, p, cfg))
    return results


# --- processors on random scores ------------------------------------------


def processor_cases():
    g = torch.Generator().manual_seed(3)
    cases = []
    v = 40
    hist = [3, 7, 3, 9, 7, 3, 12, 39, 0]

    def enc(t):
        return [None if math.isinf(x) and x < 0 else x for x in t.tolist()]

    for r in range(4):
        scores = (torch.randn(1, v, generator=g) * 3).float()
        if r == 3:
            scores[0, 5] = scores[0, 6] = scores[0, 7] = scores[0, 2]
        ids = torch.tensor([hist])
        specs = [
            ("repetition_penalty", {"penalty": 1.7}, RepetitionPenaltyLogitsProcessor(1.7)),
            ("repetition_penalty", {"penalty": 0.5}, RepetitionPenaltyLogitsProcessor(0.5)),
            ("no_repeat_ngram", {"n": 2}, NoRepeatNGramLogitsProcessor(2)),
            ("no_repeat_ngram", {"n": 1}, NoRepeatNGramLogitsProcessor(1)),
            ("min_new_tokens", {"n": 6, "eos": [0, 4], "prompt": 4}, MinNewTokensLengthLogitsProcessor(4, 6, [0, 4])),
            ("min_new_tokens", {"n": 5, "eos": [0, 4], "prompt": 4}, MinNewTokensLengthLogitsProcessor(4, 5, [0, 4])),
            ("temperature", {"t": 0.7}, TemperatureLogitsWarper(0.7)),
            ("top_k", {"k": 5, "min_keep": 1}, TopKLogitsWarper(5)),
            ("top_k", {"k": 1, "min_keep": 2}, TopKLogitsWarper(1, min_tokens_to_keep=2)),
            ("top_k", {"k": 60, "min_keep": 1}, TopKLogitsWarper(60)),
            ("top_p", {"p": 0.9, "min_keep": 1}, TopPLogitsWarper(0.9)),
            ("top_p", {"p": 0.3, "min_keep": 1}, TopPLogitsWarper(0.3)),
            ("top_p", {"p": 0.01, "min_keep": 3}, TopPLogitsWarper(0.01, min_tokens_to_keep=3)),
            ("top_k_top_p", {"k": 8, "p": 0.6, "t": 1.4}, None),
        ]
        for name, params, proc in specs:
            if proc is None:
                out = apply([TemperatureLogitsWarper(1.4), TopKLogitsWarper(8), TopPLogitsWarper(0.6)], ids, scores)
            else:
                out = proc(ids, scores)
            cases.append({"name": name, "params": params, "history": hist, "scores": scores[0].tolist(), "want": enc(out[0])})
    return cases


def main():
    vocab, max_pos, seed = 32, 64, 7
    model = Table(vocab, max_pos, seed)
    prompts = [[5, 9, 3], [17], [2, 2, 8, 30, 11, 4, 6], [12, 3, 12, 3, 12]]
    cases = [
        ("greedy", {"max_new_tokens": 12}),
        ("greedy with a stop token", {"max_new_tokens": 24, "eos_token_id": [1]}),
        ("greedy with a repetition penalty", {"max_new_tokens": 16, "repetition_penalty": 1.3, "eos_token_id": [1]}),
        ("greedy with no repeated bigram", {"max_new_tokens": 16, "no_repeat_ngram_size": 2}),
        ("greedy with a minimum length", {"max_new_tokens": 16, "min_new_tokens": 6, "eos_token_id": [1, 2]}),
        ("greedy with every processor", {"max_new_tokens": 20, "repetition_penalty": 1.6, "no_repeat_ngram_size": 3,
                                         "min_new_tokens": 3, "eos_token_id": [1]}),
        ("sampling", {"max_new_tokens": 12, "do_sample": True, "num_return_sequences": 3, "seed": 11}),
        ("sampling with temperature and top-k", {"max_new_tokens": 12, "do_sample": True, "temperature": 0.7,
                                                 "top_k": 5, "num_return_sequences": 2, "seed": 5, "eos_token_id": [1]}),
        ("sampling with top-p", {"max_new_tokens": 12, "do_sample": True, "temperature": 1.3, "top_p": 0.8,
                                 "num_return_sequences": 2, "seed": 99}),
        ("sampling with everything", {"max_new_tokens": 16, "do_sample": True, "temperature": 0.9, "top_k": 10,
                                      "top_p": 0.9, "repetition_penalty": 1.2, "num_return_sequences": 3,
                                      "seed": 2024, "eos_token_id": [1], "min_new_tokens": 2}),
        ("beam search", {"max_new_tokens": 10, "num_beams": 3, "eos_token_id": [1]}),
        ("beam search, early stopping, two returned", {"max_new_tokens": 10, "num_beams": 4, "length_penalty": 0.6,
                                                       "early_stopping": True, "num_return_sequences": 2, "eos_token_id": [1]}),
        ("beam search never stopping early", {"max_new_tokens": 12, "num_beams": 4, "length_penalty": 2.0,
                                              "early_stopping": "never", "num_return_sequences": 4, "eos_token_id": [1, 2]}),
        ("beam search favouring short", {"max_new_tokens": 12, "num_beams": 3, "length_penalty": -0.5,
                                         "early_stopping": "never", "num_return_sequences": 3, "eos_token_id": [1]}),
        ("beam search with no length penalty", {"max_new_tokens": 10, "num_beams": 4, "length_penalty": 0.0,
                                                "num_return_sequences": 2, "eos_token_id": [1]}),
        ("beam search with n-gram and repetition rules", {"max_new_tokens": 14, "num_beams": 2, "no_repeat_ngram_size": 2,
                                                          "repetition_penalty": 1.3, "eos_token_id": [1],
                                                          "min_new_tokens": 4}),
        ("beam search without a stop token", {"max_new_tokens": 8, "num_beams": 5, "num_return_sequences": 5}),
    ]
    out = {"vocab": vocab, "max_pos": max_pos, "seed": seed, "prompts": prompts, "cases": []}
    for name, cfg in cases:
        out["cases"].append({"name": name, "config": cfg, "results": run_case(model, prompts, cfg)})
    # The first logits, to check the twins agree bit for bit.
    out["first_logits"] = [model.logits(p).tolist() for p in prompts]
    out["processors"] = processor_cases()
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "generate.json")
    with open(path, "w") as f:
        json.dump(out, f, separators=(",", ":"))
        f.write("\n")


if __name__ == "__main__":
    main()
