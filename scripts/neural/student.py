#!/usr/bin/env python3
"""A small neural student for radiomark's distillation experiments (issue 10).

Driven by scripts/neural/main.ts (`npm run experiments:neural`); never part of `npm test` or the
demo. One invocation trains one student and runs its jobs:

    /usr/bin/python3 scripts/neural/student.py JOB.json

JOB.json (written by main.ts) names binary files of documents in the teacher's (o200k) ids, the
compact vocabulary, the training mix, and the jobs: log-likelihood on held-out answers and
generation of answers to held-out prompts, each optionally under inference-time neutralization
(subtract delta' from the logits of the (window, token) pairs the distiller labelled green).

Documents file format (little-endian uint32): count, then per document: prompt length, total
length, the ids (prompt first). The vocabulary file: uint32 teacher ids, index = compact id; index 0
is UNK (every teacher id outside the vocabulary), never generated.

The model: a causal transformer (pre-LN, `layers` blocks of multi-head attention and a GELU MLP,
learned positions, untied output layer) with a key/value cache for generation. CPU only.
"""

import json
import math
import sys
import time

try:
    import numpy as np
    import torch
    import torch.nn as nn
    import torch.nn.functional as F
except ImportError as e:  # pragma: no cover - the driver checks this first, with the same advice
    sys.stderr.write(
        f"scripts/neural/student.py: {e}. The neural student needs PyTorch and NumPy for /usr/bin/python3.\n"
        "On Debian/Ubuntu: apt-get install -y python3-torch python3-numpy libopenblas0-pthread\n"
        "(without OpenBLAS training is about 10 times slower).\n"
    )
    sys.exit(3)


def read_docs(path):
    """Reads a documents file: a list of (prompt length, ids as an int64 array)."""
    a = np.fromfile(path, dtype="<u4").astype(np.int64)
    n = int(a[0])
    pos = 1
    docs = []
    for _ in range(n):
        pl, length = int(a[pos]), int(a[pos + 1])
        docs.append((pl, a[pos + 2 : pos + 2 + length]))
        pos += 2 + length
    if pos != len(a):
        raise ValueError(f"{path}: {len(a) - pos} trailing words after {n} documents")
    return docs


def write_docs(path, docs):
    """Writes (prompt, completion) pairs of teacher ids as a documents file."""
    out = [len(docs)]
    for prompt, completion in docs:
        out.append(len(prompt))
        out.append(len(prompt) + len(completion))
        out.extend(int(t) for t in prompt)
        out.extend(int(t) for t in completion)
    np.asarray(out, dtype="<u4").tofile(path)


class Block(nn.Module):
    def __init__(self, d, heads):
        super().__init__()
        self.heads = heads
        self.ln1 = nn.LayerNorm(d)
        self.qkv = nn.Linear(d, 3 * d)
        self.proj = nn.Linear(d, d)
        self.ln2 = nn.LayerNorm(d)
        self.mlp = nn.Sequential(nn.Linear(d, 4 * d), nn.GELU(), nn.Linear(4 * d, d))

    def forward(self, x, cache=None):
        b, t, d = x.shape
        h = self.heads
        q, k, v = self.qkv(self.ln1(x)).split(d, dim=2)
        q = q.view(b, t, h, d // h).transpose(1, 2)
        k = k.view(b, t, h, d // h).transpose(1, 2)
        v = v.view(b, t, h, d // h).transpose(1, 2)
        if cache is not None:
            if cache[0] is not None:
                k = torch.cat([cache[0], k], dim=2)
                v = torch.cat([cache[1], v], dim=2)
            new_cache = (k, v)
        else:
            new_cache = None
        s = k.shape[2]
        att = (q @ k.transpose(-2, -1)) / math.sqrt(d // h)
        # Causal mask: query i (absolute position s - t + i) sees keys 0 .. s - t + i.
        mask = torch.ones(t, s, dtype=torch.bool).tril(diagonal=s - t)
        att = att.masked_fill(~mask, float("-inf")).softmax(dim=-1)
        y = (att @ v).transpose(1, 2).reshape(b, t, d)
        x = x + self.proj(y)
        x = x + self.mlp(self.ln2(x))
        return x, new_cache


class Student(nn.Module):
    def __init__(self, vocab, d, layers, heads, block):
        super().__init__()
        self.block = block
        self.emb = nn.Embedding(vocab, d)
        self.pos = nn.Embedding(block, d)
        self.blocks = nn.ModuleList([Block(d, heads) for _ in range(layers)])
        self.ln = nn.LayerNorm(d)
        self.head = nn.Linear(d, vocab)

    def forward(self, x, caches=None, start=0):
        t = x.shape[1]
        h = self.emb(x) + self.pos(torch.arange(start, start + t).clamp(max=self.block - 1))
        new = []
        for i, blk in enumerate(self.blocks):
            h, c = blk(h, None if caches is None else caches[i])
            new.append(c)
        return self.head(self.ln(h)), new


def to_compact(ids, lut):
    return lut[ids]


def train(model, stream, cfg, log):
    """Next-token training on blocks of a packed stream of compact ids."""
    block, batch, epochs = cfg["block"], cfg["batch"], cfg["epochs"]
    n_blocks = (len(stream) - 1) // block
    data = torch.from_numpy(stream[: n_blocks * block + 1].astype(np.int64))
    opt = torch.optim.AdamW(model.parameters(), lr=cfg["lr"], weight_decay=0.01)
    steps = epochs * math.ceil(n_blocks / batch)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min(1.0, (s + 1) / 100) * max(0.05, 1 - s / max(1, steps)))
    g = torch.Generator().manual_seed(cfg["seed"])
    model.train()
    t0 = time.time()
    seen = 0
    step = 0
    for ep in range(epochs):
        order = torch.randperm(n_blocks, generator=g)
        total = 0.0
        count = 0
        for i in range(0, n_blocks, batch):
            idx = order[i : i + batch]
            starts = idx * block
            x = torch.stack([data[s : s + block] for s in starts])
            y = torch.stack([data[s + 1 : s + block + 1] for s in starts])
            logits, _ = model(x)
            loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1))
            opt.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            sched.step()
            step += 1
            seen += x.numel()
            total += loss.item() * x.numel()
            count += x.numel()
        log(f"epoch {ep + 1}/{epochs}: loss {total / count:.4f}, {seen / (time.time() - t0):.0f} tokens/s")
    return seen / (time.time() - t0)


def label_table(path, lut, vocab):
    """Labelled (a, b, x) triples of teacher ids -> {(a', b'): LongTensor of x'} in compact ids."""
    if path is None:
        return {}
    a = np.fromfile(path, dtype="<u4").astype(np.int64).reshape(-1, 3)
    table = {}
    for w1, w2, x in a:
        c1, c2, cx = lut[w1], lut[w2], lut[x]
        if c1 == 0 or c2 == 0 or cx == 0:
            continue  # a window or token outside the vocabulary cannot be matched exactly
        table.setdefault((int(c1), int(c2)), []).append(int(cx))
    return {k: torch.tensor(v, dtype=torch.long) for k, v in table.items()}


def adjust(logits, windows, table, delta):
    """Subtracts delta from the labelled tokens of each row's window (in place)."""
    if not table or delta == 0:
        return
    for r, w in enumerate(windows):
        ids = table.get(w)
        if ids is not None:
            logits[r, ids] -= delta


@torch.no_grad()
def loglik(model, docs, lut, vocab_ids, job, table):
    """Mean log-likelihood per completion token (nats) of teacher-id documents, with the same
    uniform floor as the n-gram evaluation (src/simulate/gain.ts) and UNK spread uniformly over
    the teacher ids outside the vocabulary."""
    model.eval()
    floor = job["floor"]
    V_teacher = job["teacherVocab"]
    outside = V_teacher - (len(vocab_ids) - 1)
    delta = job.get("delta", 0.0)
    total = 0.0
    n = 0
    for pl, ids in docs:
        ids = ids[: model.block]
        c = torch.from_numpy(lut[ids])
        logits, _ = model(c[None, :-1])
        logits = logits[0]
        if delta:
            wins = [(int(c[i - 1]), int(c[i])) if i >= 1 else None for i in range(len(c) - 1)]
            adjust(logits, wins, table, delta)
        lp = logits.log_softmax(-1)
        first = max(pl, 1)
        if first >= len(ids):
            continue
        targets = c[first:]
        q = lp[torch.arange(first - 1, len(ids) - 1), targets].double().exp()
        q = torch.where(targets == 0, q / outside, q)
        total += float(((1 - floor) * q + floor / V_teacher).log().sum())
        n += len(targets)
    return total / max(1, n), n


@torch.no_grad()
def generate(model, prompts, lut, vocab_ids, eot_c, job, table, log):
    """Answers prompts in turn (cycled) until `tokens` completion tokens; returns teacher-id pairs."""
    model.eval()
    batch = job.get("batch", 128)
    max_new = job["maxNewTokens"]
    temp = job.get("temperature", 1.0)
    top_p = job.get("topP", 1.0)
    delta = job.get("delta", 0.0)
    want = job["tokens"]
    g = torch.Generator().manual_seed(job["seed"])
    out = []
    made = 0
    k = job.get("offset", 0)
    t0 = time.time()
    while made < want:
        group = [prompts[(k + j) % len(prompts)] for j in range(batch)]
        k += batch
        plen = len(group[0])
        assert all(len(p) == plen for p in group), "prompts must share one length"
        x = torch.from_numpy(np.stack([lut[p] for p in group]))
        caches = [(None, None)] * len(model.blocks)
        logits, caches = model(x, caches, 0)
        last = logits[:, -1, :]
        seqs = [list(map(int, x[r])) for r in range(batch)]
        done = [False] * batch
        gen = [[] for _ in range(batch)]
        for step in range(max_new):
            lg = last.clone()
            lg[:, 0] = float("-inf")
            adjust(lg, [(s[-2], s[-1]) for s in seqs], table, delta)
            if temp == 0:
                nxt = lg.argmax(-1)
            else:
                probs = (lg / temp).softmax(-1)
                if top_p < 1:
                    sp, si = probs.sort(-1, descending=True)
                    keep = sp.cumsum(-1) - sp < top_p
                    sp = sp * keep
                    probs = torch.zeros_like(probs).scatter_(-1, si, sp)
                nxt = torch.multinomial(probs, 1, generator=g)[:, 0]
            for r in range(batch):
                if done[r]:
                    continue
                t = int(nxt[r])
                if t == eot_c:
                    done[r] = True
                else:
                    gen[r].append(t)
                    seqs[r].append(t)
            if all(done) or plen + step + 1 >= model.block:
                break
            logits, caches = model(nxt[:, None], caches, plen + step)
            last = logits[:, -1, :]
        for r in range(batch):
            out.append((group[r], vocab_ids[np.asarray(gen[r], dtype=np.int64)] if gen[r] else np.zeros(0, dtype=np.int64)))
            made += len(gen[r])
    log(f"generated {made} tokens in {len(out)} answers ({made / (time.time() - t0):.0f} tokens/s)")
    return out


def main():
    if len(sys.argv) != 2:
        sys.stderr.write("usage: student.py JOB.json\n")
        sys.exit(2)
    job = json.load(open(sys.argv[1]))
    torch.set_num_threads(job.get("threads", 2))
    torch.manual_seed(job["seed"])
    log = lambda s: (sys.stderr.write(f"[neural {job['name']}] {s}\n"), sys.stderr.flush())
    vocab_ids = np.fromfile(job["vocab"], dtype="<u4").astype(np.int64)
    lut = np.zeros(job["teacherVocab"] + 1, dtype=np.int64)
    lut[vocab_ids[1:]] = np.arange(1, len(vocab_ids))
    eot_c = int(lut[job["endOfText"]])
    m = job["model"]
    model = Student(len(vocab_ids), m["d"], m["layers"], m["heads"], m["block"])
    stream = []
    for part in job["train"]:
        docs = read_docs(part["file"])
        for _, ids in docs[: part.get("limit", len(docs))]:
            stream.append(lut[ids])
            stream.append(np.asarray([eot_c], dtype=np.int64))
    rng = np.random.default_rng(job["seed"])
    order = rng.permutation(len(stream) // 2)
    packed = np.concatenate([np.concatenate([stream[2 * i], stream[2 * i + 1]]) for i in order]) if order.size else np.zeros(1, dtype=np.int64)
    log(f"training on {len(packed)} tokens ({len(vocab_ids)} compact ids), {m['layers']} layers, d = {m['d']}")
    t0 = time.time()
    speed = train(model, packed, {**m, "seed": job["seed"]}, log)
    result = {"name": job["name"], "trainTokens": int(len(packed)), "trainSeconds": time.time() - t0, "trainTokensPerSecond": speed, "jobs": []}
    held = read_docs(job["heldOut"]) if job.get("heldOut") else []
    prompts = [ids[:pl] for pl, ids in held]
    for j in job["jobs"]:
        table = label_table(j.get("labels"), lut, len(vocab_ids))
        r = {"name": j["name"]}
        t1 = time.time()
        if j["kind"] == "loglik":
            r["ll"], r["tokens"] = loglik(model, read_docs(j["docs"]), lut, vocab_ids, {**j, "teacherVocab": job["teacherVocab"]}, table)
            log(f"{j['name']}: log-likelihood {r['ll']:.4f} nats/token over {r['tokens']} tokens")
        else:
            answers = generate(model, prompts, lut, vocab_ids, eot_c, j, table, log)
            write_docs(j["out"], answers)
            r["answers"] = len(answers)
            r["tokens"] = int(sum(len(c) for _, c in answers))
        r["seconds"] = time.time() - t1
        result["jobs"].append(r)
    json.dump(result, open(job["result"], "w"), indent=1)


if __name__ == "__main__":
    main()
