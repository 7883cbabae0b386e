// Starts GraphiQL on #graphiql. Our own code; uses the vendored UMD globals
// React, ReactDOM and GraphiQL loaded by index.html before this file.
(function () {
  "use strict";

  var FALLBACK_QUERY = "# GraphiQL: write a query here and press Ctrl-Enter to run it.\n{\n  __typename\n}\n";

  // Default query: a JSON string substituted by the gateway into
  // <script type="application/json" id="graphiql-default-query"> (see index.html).
  function readDefaultQuery() {
    var el = document.getElementById("graphiql-default-query");
    if (!el) return FALLBACK_QUERY;
    try {
      var value = JSON.parse(el.textContent);
      return typeof value === "string" ? value : FALLBACK_QUERY;
    } catch (e) {
      return FALLBACK_QUERY; // placeholder not substituted
    }
  }

  var container = document.getElementById("graphiql");
  var endpoint = container.getAttribute("data-endpoint") || "/graphql";

  // POST JSON to the same-origin endpoint. Headers typed into GraphiQL's headers
  // editor (e.g. {"Authorization": "Bearer ..."}) are merged into each request by
  // createFetcher; cookies are sent for the same origin only.
  var fetcher = GraphiQL.createFetcher({
    url: endpoint,
    fetch: function (url, init) {
      return window.fetch(url, Object.assign({}, init, { credentials: "same-origin" }));
    },
  });

  var root = ReactDOM.createRoot(container);
  root.render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      defaultQuery: readDefaultQuery(),
      isHeadersEditorEnabled: true,
      // Do not keep headers (which may hold a bearer token) in localStorage.
      shouldPersistHeaders: false,
      defaultEditorToolsVisibility: true,
      inputValueDeprecation: true,
    })
  );
})();
