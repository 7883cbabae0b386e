// Hive Gateway's configuration for the federation demo and its end-to-end test (docs/federation.md):
//   npx hive-gateway supergraph SUPERGRAPH_FILE --host 127.0.0.1 --port N -c gateway.config.mjs
// The subgraphs do their own sign-in, access and audit, so the router passes the caller's credentials and
// circumstances on to every subgraph, unchanged, and nothing else.
import { defineConfig } from "@graphql-hive/gateway";

const FORWARDED = [
  "authorization",
  "x-purpose",
  "x-case-reference",
  "x-break-glass-reason",
  "apollographql-client-name",
  "apollographql-client-version",
  "traceparent",
  "tracestate",
];

export const gatewayConfig = defineConfig({
  propagateHeaders: {
    fromClientToSubgraphs({ request }) {
      const headers = {};
      for (const name of FORWARDED) {
        const value = request.headers.get(name);
        if (value) headers[name] = value;
      }
      return headers;
    },
  },
  // The demo's supergraph is a file written once at start-up; nothing to poll.
  pollingInterval: 0,
  graphiql: false,
  landingPage: false,
});
