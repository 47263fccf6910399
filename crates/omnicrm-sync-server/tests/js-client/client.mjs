// Drives an unmodified automerge-repo client against the OmniCRM sync server.
//
//   node client.mjs <ws-url-with-token> <allowed-document-id> <foreign-document-id>
//
// It finds the allowed document (a note written by a Rust client), appends to its body,
// creates a note of its own, checks that the foreign document (another workspace's) is
// unavailable, and prints one JSON line with what it saw. The Rust test checks the rest.
import { Repo } from "@automerge/automerge-repo";
import { WebSocketClientAdapter } from "@automerge/automerge-repo-network-websocket";
import { updateText } from "@automerge/automerge";
import { randomUUID } from "node:crypto";

const [url, allowedId, foreignId] = process.argv.slice(2);
const fail = (message) => {
  console.log(JSON.stringify({ error: message }));
  process.exit(1);
};
const timeout = (ms, what) =>
  new Promise((_, reject) => setTimeout(() => reject(new Error(`timed out: ${what}`)), ms));
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

const repo = new Repo({ network: [new WebSocketClientAdapter(url, 500)] });

try {
  const handle = await Promise.race([repo.find(`automerge:${allowedId}`), timeout(15000, "find allowed")]);
  const before = handle.doc();
  handle.change((doc) => updateText(doc, ["body"], `${before.body} (edited in JS)`));

  const created = repo.create({
    schema_version: 1,
    kind: "note",
    id: randomUUID(),
    deleted_at: null,
    body: "written by automerge-repo",
    contact_id: null,
  });

  let foreign = "found";
  try {
    await Promise.race([repo.find(`automerge:${foreignId}`), timeout(10000, "find foreign")]);
  } catch (error) {
    foreign = String(error.message).includes("unavailable") ? "unavailable" : `error: ${error.message}`;
  }

  // automerge-repo has no "flushed to the server" signal; give the sync round trips time.
  await sleep(1500);
  console.log(
    JSON.stringify({
      body_before: before.body,
      created: created.documentId,
      foreign,
    }),
  );
  await repo.shutdown();
  process.exit(0);
} catch (error) {
  fail(String(error && error.message ? error.message : error));
}
