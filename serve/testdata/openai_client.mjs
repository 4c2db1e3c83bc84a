// The official openai npm package against a goformer server: every
// endpoint, whole and streamed, and an error. Run by serve's
// TestOpenAINodeClient with BASE_URL, API_KEY, MODEL and EMBED_MODEL set;
// it prints one JSON object of what it got and exits non-zero on a
// failed check.
//
//	npm ci --prefix serve/testdata
//	BASE_URL=http://127.0.0.1:8080/v1 MODEL=m EMBED_MODEL=e node serve/testdata/openai_client.mjs
import OpenAI from "openai";

const env = process.env;
const client = new OpenAI({ baseURL: env.BASE_URL, apiKey: env.API_KEY || "none", maxRetries: 0, timeout: 30000 });
const out = {};

function check(ok, what) {
  if (!ok) {
    console.error("check failed: " + what);
    process.exit(1);
  }
}

// The model list.
const models = [];
for await (const m of client.models.list()) {
  models.push(m.id);
}
out.models = models;
check(models.includes(env.MODEL), "the model is listed");

// A completion, whole and streamed.
const prompt = "The quick brown fox";
const comp = await client.completions.create({ model: env.MODEL, prompt, max_tokens: 12, temperature: 0 });
out.completion = { text: comp.choices[0].text, finish: comp.choices[0].finish_reason, usage: comp.usage };
let streamed = "";
let usage = null;
const cs = await client.completions.create({
  model: env.MODEL, prompt, max_tokens: 12, temperature: 0, stream: true, stream_options: { include_usage: true },
});
for await (const chunk of cs) {
  for (const c of chunk.choices) streamed += c.text;
  if (chunk.usage) usage = chunk.usage;
}
out.completionStreamed = { text: streamed, usage };
check(streamed === comp.choices[0].text, "the streamed completion equals the whole one");

// A chat completion, whole and streamed, sampled with a seed.
const messages = [
  { role: "system", content: "You are terse." },
  { role: "user", content: "Hello! Café 🙂" },
];
const chat = await client.chat.completions.create({ model: env.MODEL, messages, max_tokens: 16, temperature: 0.8, seed: 42 });
out.chat = { role: chat.choices[0].message.role, content: chat.choices[0].message.content, finish: chat.choices[0].finish_reason };
let content = "";
let role = "";
let finish = null;
const stream = await client.chat.completions.create({ model: env.MODEL, messages, max_tokens: 16, temperature: 0.8, seed: 42, stream: true });
for await (const chunk of stream) {
  const d = chunk.choices[0]?.delta ?? {};
  if (d.role) role = d.role;
  if (d.content) content += d.content;
  if (chunk.choices[0]?.finish_reason) finish = chunk.choices[0].finish_reason;
}
out.chatStreamed = { role, content, finish };
check(content === chat.choices[0].message.content && finish === chat.choices[0].finish_reason, "the streamed reply equals the whole one");

// Log-probabilities.
const lp = await client.chat.completions.create({ model: env.MODEL, messages, max_tokens: 4, temperature: 0, logprobs: true, top_logprobs: 2 });
out.logprobs = lp.choices[0].logprobs.content.map((t) => ({ token: t.token, logprob: t.logprob, top: t.top_logprobs.length }));

// Embeddings: the package asks for base64 and decodes it.
const emb = await client.embeddings.create({ model: env.EMBED_MODEL, input: ["the quick brown fox", "hello world"] });
out.embeddings = emb.data.map((d) => d.embedding.length);
out.embedding0 = emb.data[0].embedding.slice(0, 4);

// An error reaches the caller as an APIError with the server's body.
try {
  await client.completions.create({ model: env.MODEL, prompt, max_tokens: -1 });
  check(false, "max_tokens -1 was accepted");
} catch (e) {
  check(e instanceof OpenAI.APIError, "an APIError");
  out.error = { status: e.status, param: e.param, type: e.type, message: e.message };
}

console.log(JSON.stringify(out));
