// The API's OpenAPI description in Swagger UI, from this server's own copy of its assets (no CDN, so it
// works offline and under the CSP). A signed-in browser's changes carry the session's CSRF token, as the
// dashboard's do; a script's bearer token goes in under "Authorize".
fetch("/auth/me")
  .then((response) => (response.ok ? response.json() : {}))
  .catch(() => ({}))
  .then((me) => {
    window.ui = SwaggerUIBundle({
      url: "/openapi.json",
      dom_id: "#swagger-ui",
      layout: "BaseLayout",
      deepLinking: true,
      presets: [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset],
      requestInterceptor: (request) => {
        if (me.csrf_token && request.method && request.method !== "GET") request.headers["X-CSRF-Token"] = me.csrf_token;
        return request;
      },
    });
  });
