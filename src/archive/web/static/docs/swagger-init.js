// Swagger UI for /docs, from the archive's own copy (static/vendor/swagger-ui), so the page
// works on a box with no internet. The page's CSP allows no inline script: this file is it.
"use strict";
window.ui = SwaggerUIBundle({
  url: new URL("openapi.json", document.baseURI).href,
  dom_id: "#swagger-ui",
  deepLinking: true,
  // No calls to the public validator: the document stays on this machine.
  validatorUrl: null,
  showExtensions: true,
  tryItOutEnabled: false,
  presets: [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset],
  layout: "BaseLayout",
});
