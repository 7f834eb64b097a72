// Swagger UI from this server's own files (no CDN), started from a file rather than an inline
// script so the Content-Security-Policy (script-src 'self') holds on /docs too.
window.ui = SwaggerUIBundle({
  url: '/openapi.json',
  dom_id: '#swagger-ui',
  layout: 'BaseLayout',
  deepLinking: true,
  showExtensions: true,
  presets: [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset],
});
