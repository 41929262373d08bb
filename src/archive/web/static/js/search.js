// The search page: the query box, facets and paging replace only the search area (htmx), and
// the focus then moves to the heading of what came back (the results, or why the search
// cannot be run), so a screen reader hears what changed.
"use strict";

document.body.addEventListener("htmx:afterSettle", () => {
  const heading = document.getElementById("hits-heading") || document.getElementById("problem-heading");
  if (heading) heading.focus();
});
