// ReDoc for /redoc, from the archive's own copy (static/vendor/redoc), so the page works on a
// box with no internet. The page's CSP allows no inline script: this file is it.
"use strict";
Redoc.init(
  new URL("openapi.json", document.baseURI).href,
  { hideHostname: false, expandResponses: "200,201", pathInMiddlePanel: true },
  document.getElementById("redoc"),
);
