// Composes subgraph SDLs into a supergraph with @apollo/composition (the library Rover and GraphOS use), and fails
// on any composition error or any hint not listed below as harmless.
//
//   node compose.mjs --out supergraph.graphql NAME=SDL_FILE@URL [NAME=SDL_FILE@URL ...]
//
// Exit status 0: composed, supergraph written; 1: errors or hints that matter (printed); 2: bad arguments.
import { readFileSync, writeFileSync } from "node:fs";
import { composeServices } from "@apollo/composition";
import { parse } from "graphql";

// Hints known to say nothing is wrong, code -> why. Empty: today every hint fails the check. Add a code here only
// with the reason it is harmless for these subgraphs.
const HARMLESS = new Map();

function usage(message) {
  console.error(`${message}\nusage: node compose.mjs --out SUPERGRAPH NAME=SDL_FILE@URL ...`);
  process.exit(2);
}

const args = process.argv.slice(2);
let out = null;
const services = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === "--out") {
    out = args[++i];
    continue;
  }
  const match = /^([A-Za-z][A-Za-z0-9_-]*)=(.+)@(https?:\/\/.+)$/.exec(args[i]);
  if (!match) usage(`not NAME=SDL_FILE@URL: ${args[i]}`);
  const [, name, file, url] = match;
  services.push({ name, url, typeDefs: parse(readFileSync(file, "utf8")) });
}
if (!out || services.length < 2) usage("give --out and at least two subgraphs");

const result = composeServices(services);
if (result.errors && result.errors.length) {
  for (const error of result.errors) {
    console.error(`ERROR ${error.extensions?.code ?? ""}: ${error.message}`);
  }
  process.exit(1);
}
let failed = false;
for (const hint of result.hints ?? []) {
  const code = hint.definition.code;
  const harmless = HARMLESS.has(code);
  console.error(`${harmless ? "hint (harmless)" : "HINT"} ${code}: ${hint.message}`);
  failed ||= !harmless;
}
if (failed) {
  console.error("composition gave hints that matter: fix the subgraphs or, if harmless, list the code in compose.mjs");
  process.exit(1);
}
writeFileSync(out, result.supergraphSdl);
console.log(`composed ${services.map((s) => s.name).join(", ")} into ${out}`);
