// Reads a workspace the OmniCRM app wrote, as an unmodified automerge-repo client sees it,
// and edits it the way another client could.
//
//   node app_documents.mjs <ws-url-with-token> <root-document-id> <contact-id> <task-id>
//
// It finds the workspace root, fetches every record document the root lists, sets the
// company of contact <contact-id> and deletes task <task-id> (its tombstone), and prints one
// JSON line: every document it could fetch, as plain values. The Rust test checks the rest.
import { Repo } from "@automerge/automerge-repo";
import { WebSocketClientAdapter } from "@automerge/automerge-repo-network-websocket";

const [url, rootId, contactId, taskId] = process.argv.slice(2);
const timeout = (ms, what) =>
  new Promise((_, reject) => setTimeout(() => reject(new Error(`timed out: ${what}`)), ms));
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const find = (id, what) => Promise.race([repo.find(`automerge:${id}`), timeout(15000, what)]);

// Unsigned integers (the schema version) arrive as BigInt, which JSON cannot hold.
const plain = (value) =>
  JSON.parse(JSON.stringify(value, (_, field) => (typeof field === "bigint" ? Number(field) : field)));

const repo = new Repo({ network: [new WebSocketClientAdapter(url, 500)] });

try {
  const root = (await find(rootId, "the workspace root")).doc();
  const documents = [];
  for (const [recordId, entry] of Object.entries(root.records ?? {})) {
    const handle = await find(entry.document_id, `record ${recordId}`);
    const doc = handle.doc();
    documents.push({ document_id: entry.document_id, root_kind: entry.kind, ...plain(doc) });
    // The app writes plain strings, which Automerge 3 reads as ImmutableString objects.
    const id = String(doc.id);
    if (id === contactId) {
      handle.change((draft) => {
        draft.company = "Edited in JS";
      });
    }
    if (id === taskId) {
      handle.change((draft) => {
        draft.deleted_at = "2026-12-07T12:00:00.000Z";
      });
    }
  }
  // automerge-repo has no "flushed to the server" signal; give the sync round trips time.
  await sleep(1500);
  console.log(JSON.stringify({ documents }));
  await repo.shutdown();
  process.exit(0);
} catch (error) {
  console.log(JSON.stringify({ error: String(error && error.message ? error.message : error) }));
  process.exit(1);
}
