// ReDoc for /redoc, from the archive's own copy (static/vendor/redoc), so the page works on a
// box with no internet. The page's CSP allows no inline script: this file is it.
// Native scrollbars: the bundled perfect-scrollbar would need its stylesheet inline, which the
// CSP refuses (the browser notes that refusal, and the one of the Redocly logo from its CDN,
// in the console; neither changes the page).
"use strict";
Redoc.init(
  new URL("openapi.json", document.baseURI).href,
  { expandResponses: "200,201", pathInMiddlePanel: true, nativeScrollbars: true },
  document.getElementById("redoc"),
);
