// Load generator for scripts/bench-sync.sh: unmodified automerge-repo clients (WebSocket
// adapter) against any automerge-repo sync server, so the OmniCRM server and the reference
// Node server get exactly the same workload from the same code.
//
//   node load.mjs edit    --url URL [--clients 50] [--docs 10] [--seconds 15] [--rate 2]
//   node load.mjs seed    --url URL --records 10000 [--root DOCUMENT_ID]
//   node load.mjs initial --url URL --root DOCUMENT_ID [--concurrency 500]
//
// edit: one client creates --docs note documents; then --clients editors each open document
// (editor index mod docs) and change it --rate times a second for --seconds, writing
// `bench_edits.<editor> = {seq, at}`. Every editor watches its document: each time it sees a
// newer seq from another editor, now - at is one round-trip sample (A changes, server merges
// and forwards, B has it). Throughput is the number of changes every peer received divided
// by the time from the first change until the last peer had the last one.
//
// seed: creates --records note documents and lists them in a workspace root document
// (`records.<record id> = {kind, document_id}`, the OmniCRM layout). With --root it fills the
// workspace root the server created; without it creates one (the reference server has no
// workspaces). Waits until the server has merged every document. Prints the root id.
//
// initial: a fresh client finds the root, then every document it lists (at most --concurrency
// finds in flight); prints the time until it has all of them.
//
// Each mode prints one JSON line on stdout.
import { decodeSyncMessage, getHeads } from "@automerge/automerge";
import { Repo } from "@automerge/automerge-repo";
import { WebSocketClientAdapter } from "@automerge/automerge-repo-network-websocket";
import { performance } from "node:perf_hooks";
import { randomUUID } from "node:crypto";
import { parseArgs } from "node:util";

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    url: { type: "string" },
    clients: { type: "string", default: "50" },
    docs: { type: "string", default: "10" },
    seconds: { type: "string", default: "15" },
    rate: { type: "string", default: "2" },
    records: { type: "string", default: "10000" },
    concurrency: { type: "string", default: "500" },
    root: { type: "string" },
    timeout: { type: "string", default: "300" },
  },
});
const mode = positionals[0];
const url = values.url;
if (!url || !["edit", "seed", "initial"].includes(mode)) {
  console.error("usage: node load.mjs edit|seed|initial --url URL [options] (see the header)");
  process.exit(2);
}
const deadline = performance.now() + Number(values.timeout) * 1000;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const log = (message) => console.error(`[load ${mode}] ${message}`);
const newRepo = () => new Repo({ network: [new WebSocketClientAdapter(url, 500)] });

function note(extra) {
  return {
    schema_version: 1,
    kind: "note",
    id: randomUUID(),
    deleted_at: null,
    body: "benchmark note",
    contact_id: null,
    ...extra,
  };
}

/**
 * The heads each document has on the server, from the server's sync messages. The first
 * answer to a new document only says what the server lacks; the changes follow, and the
 * server's next message carries the merged heads.
 */
function serverHeadsOf(repo) {
  const heads = new Map();
  repo.networkSubsystem.on("message", (message) => {
    if (message.type !== "sync" || !message.documentId || !message.data) return;
    heads.set(message.documentId, decodeSyncMessage(message.data).heads);
  });
  return heads;
}

const sameHeads = (a, b) => a.length === b.length && [...a].sort().every((head, index) => head === [...b].sort()[index]);

/** Waits until the server has every handle's current heads, i.e. has stored its changes. */
async function untilStored(serverHeads, handles, what) {
  let missing = handles;
  for (;;) {
    missing = missing.filter((handle) => !sameHeads(serverHeads.get(handle.documentId) ?? [], getHeads(handle.doc())));
    if (missing.length === 0) return;
    if (performance.now() > deadline) throw new Error(`${missing.length} ${what} not stored in time`);
    await sleep(50);
  }
}

function percentile(sorted, p) {
  if (sorted.length === 0) return null;
  const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, index)];
}

const round = (ms) => (ms === null ? null : Math.round(ms * 10) / 10);

async function edit() {
  const clients = Number(values.clients);
  const docs = Number(values.docs);
  const seconds = Number(values.seconds);
  const rate = Number(values.rate);

  const creator = newRepo();
  const serverHeads = serverHeadsOf(creator);
  const handles = Array.from({ length: docs }, () => creator.create(note({ bench_edits: {} })));
  await untilStored(serverHeads, handles, "documents");
  const urls = handles.map((handle) => handle.url);
  await creator.shutdown();
  log(`${docs} documents stored`);

  const editors = [];
  for (let index = 0; index < clients; index++) {
    const repo = newRepo();
    const handle = await repo.find(urls[index % docs]);
    editors.push({ index, repo, handle, seq: 0, seen: new Map() });
  }
  log(`${clients} editors joined`);

  const samples = [];
  // sent[index] = seq -> time; lastSeenBy[index] = per-editor highest seq of others it saw.
  let measuring = true;
  for (const editor of editors) {
    editor.handle.on("change", ({ doc }) => {
      const now = performance.now();
      for (const [key, entry] of Object.entries(doc.bench_edits ?? {})) {
        const from = Number(key);
        if (from === editor.index) continue;
        const previous = editor.seen.get(from) ?? 0;
        if (entry.seq > previous) {
          editor.seen.set(from, entry.seq);
          if (measuring) samples.push(now - entry.at);
        }
      }
    });
  }

  const peersOf = (editor) => editors.filter((other) => other !== editor && other.index % docs === editor.index % docs);
  const interval = 1000 / rate;
  const started = performance.now();
  const stopAt = started + seconds * 1000;
  await Promise.all(
    editors.map(async (editor) => {
      // Spread the editors' first changes over one interval.
      await sleep((editor.index / clients) * interval);
      let next = performance.now();
      while (performance.now() < stopAt) {
        editor.seq += 1;
        const seq = editor.seq;
        editor.handle.change((doc) => {
          doc.bench_edits[String(editor.index)] = { seq, at: performance.now() };
        });
        next += interval;
        const wait = next - performance.now();
        await sleep(wait > 0 ? wait : 0);
      }
    }),
  );
  const offeredSeconds = (performance.now() - started) / 1000;

  // Converged when every editor has seen every peer's last seq.
  const converged = () =>
    editors.every((editor) => peersOf(editor).every((peer) => (editor.seen.get(peer.index) ?? 0) >= peer.seq));
  while (!converged() && performance.now() < deadline) await sleep(5);
  const convergedAt = performance.now();
  measuring = false;
  const changes = editors.reduce((sum, editor) => sum + editor.seq, 0);
  const allConverged = converged();

  await Promise.all(editors.map((editor) => editor.repo.shutdown()));
  samples.sort((a, b) => a - b);
  return {
    mode,
    clients,
    docs,
    rate_per_editor: rate,
    offered_seconds: round(offeredSeconds * 1000) / 1000,
    changes,
    converged: allConverged,
    seconds_to_converge: round(convergedAt - started) / 1000,
    changes_per_second: Math.round(changes / ((convergedAt - started) / 1000)),
    samples: samples.length,
    p50_ms: round(percentile(samples, 50)),
    p95_ms: round(percentile(samples, 95)),
    max_ms: round(samples.at(-1) ?? null),
  };
}

async function seed() {
  const records = Number(values.records);
  const repo = newRepo();
  const serverHeads = serverHeadsOf(repo);
  const root = values.root
    ? await repo.find(`automerge:${values.root}`)
    : repo.create({ schema_version: 1, kind: "workspace_root", records: {} });
  const started = performance.now();
  const handles = [];
  const batch = 500;
  for (let start = 0; start < records; start += batch) {
    const entries = [];
    for (let index = start; index < Math.min(records, start + batch); index++) {
      const handle = repo.create(note({ body: `benchmark note ${index}` }));
      entries.push([handle.doc().id, handle.documentId]);
      handles.push(handle);
    }
    root.change((doc) => {
      if (!doc.records) doc.records = {};
      for (const [recordId, documentId] of entries) {
        doc.records[recordId] = { kind: "note", document_id: documentId };
      }
    });
    // Keep the number of documents in flight bounded.
    await untilStored(serverHeads, handles.slice(-batch), "documents");
    log(`${handles.length}/${records} documents stored`);
  }
  await untilStored(serverHeads, [root], "root");
  await repo.shutdown();
  return {
    mode,
    records,
    root: root.documentId,
    seconds: round(performance.now() - started) / 1000,
  };
}

async function initial() {
  const concurrency = Number(values.concurrency);
  const repo = newRepo();
  const started = performance.now();
  const root = await repo.find(`automerge:${values.root}`);
  const listed = Object.values(root.doc().records ?? {});
  const rootSeconds = (performance.now() - started) / 1000;
  // At most --concurrency finds in flight: automerge-repo gives each find a minute to become
  // ready, and 10,000 at once starve a small machine's client past that for every one.
  let unavailable = 0;
  let next = 0;
  const finder = async () => {
    while (next < listed.length) {
      const entry = listed[next++];
      try {
        await repo.find(`automerge:${entry.document_id}`);
      } catch {
        unavailable += 1;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, listed.length) }, finder));
  const seconds = (performance.now() - started) / 1000;
  await repo.shutdown();
  return {
    mode,
    documents: listed.length,
    unavailable,
    root_seconds: round(rootSeconds * 1000) / 1000,
    seconds: round(seconds * 1000) / 1000,
  };
}

try {
  const result = await { edit, seed, initial }[mode]();
  console.log(JSON.stringify(result));
  process.exit(0);
} catch (error) {
  console.log(JSON.stringify({ mode, error: String(error && error.message ? error.message : error) }));
  process.exit(1);
}
