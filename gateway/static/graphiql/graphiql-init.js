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

  // Default request headers: a JSON object of strings substituted by the gateway into
  // <script type="application/json" id="graphiql-default-headers"> (see index.html), shown
  // in the headers editor as JSON text; "" when there are none or the placeholder is left.
  function readDefaultHeaders() {
    var el = document.getElementById("graphiql-default-headers");
    if (!el) return "";
    try {
      var value = JSON.parse(el.textContent);
      if (!value || typeof value !== "object" || Array.isArray(value)) return "";
      var names = Object.keys(value).filter(function (name) {
        return typeof value[name] === "string";
      });
      if (names.length === 0) return "";
      var headers = {};
      names.forEach(function (name) {
        headers[name] = value[name];
      });
      return JSON.stringify(headers, null, 2);
    } catch (e) {
      return ""; // placeholder not substituted
    }
  }

  var defaultHeaders = readDefaultHeaders();
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
      defaultHeaders: defaultHeaders,
      isHeadersEditorEnabled: true,
      // Do not keep headers (which may hold a bearer token) in localStorage.
      shouldPersistHeaders: false,
      // Open on the headers tab when the page brought headers, so that they are seen.
      defaultEditorToolsVisibility: defaultHeaders ? "headers" : true,
      inputValueDeprecation: true,
    })
  );
})();
