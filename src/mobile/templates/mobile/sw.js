/* Service worker of the grid worker's phone app (scope {{ scope }}). Workbox, vendored from npm
   (src/web/static/vendor/workbox/, frontend/vendor.sh), imported from this platform's own static
   addresses — never from a CDN. Runtime caching only: collectstatic names files after their
   content, so a list precached at build time would not match the deployed names.
   - the app's pages: network first, the last copy when the network is cut (never a redirect to
     the login page nor an error page);
   - static files: the cached copy at once, refreshed in the background;
   - the API: never cached (reports go through the page's IndexedDB queue, see mobile/app.js).
   The page sends the addresses it wants kept (its own, the other tabs, the files it loaded) as a
   Workbox `CACHE_URLS` message; each goes through the same routes. */
{% for m in modules %}importScripts({{ m|safe }});
{% endfor %}
(function () {
  "use strict";
  var wb = self.workbox;
  var SCOPE = {{ scope|safe }}, STATIC = {{ static_url|safe }}, VERSION = {{ version|safe }};
  var PAGES = "platform-m-pages-v" + VERSION, FILES = "platform-m-static-v" + VERSION;
  wb.core.setCacheNameDetails({prefix: "platform-m", suffix: "v" + VERSION});
  self.addEventListener("install", function () { self.skipWaiting(); });
  wb.core.clientsClaim();

  var okOnly = new wb.cacheableResponse.CacheableResponsePlugin({statuses: [200]});
  var notRedirected = {cacheWillUpdate: function (o) {
    return Promise.resolve(o.response && !o.response.redirected ? o.response : null);
  }};
  function sameOrigin(url) { return url.origin === self.location.origin; }

  wb.routing.registerRoute(function (o) {
    return sameOrigin(o.url) && o.url.pathname.indexOf(SCOPE) === 0 && o.url.pathname !== SCOPE + "sw.js";
  }, new wb.strategies.NetworkFirst({cacheName: PAGES, networkTimeoutSeconds: 10, plugins: [okOnly, notRedirected]}));

  wb.routing.registerRoute(function (o) {
    return sameOrigin(o.url) && o.url.pathname.indexOf(STATIC) === 0;
  }, new wb.strategies.StaleWhileRevalidate({cacheName: FILES, plugins: [okOnly,
    new wb.expiration.ExpirationPlugin({maxEntries: 300, purgeOnQuotaError: true})]}));

  // caches of an older version of this worker are dropped once this one runs
  self.addEventListener("activate", function (event) {
    event.waitUntil(caches.keys().then(function (names) {
      return Promise.all(names.filter(function (n) {
        return n.indexOf("platform-m-") === 0 && n !== PAGES && n !== FILES;
      }).map(function (n) { return caches.delete(n); }));
    }));
  });
  // signing out clears the pages (they hold the worker's lists); the report queue is kept
  self.addEventListener("message", function (event) {
    if (event.data && event.data.type === "CLEAR_PAGES") {
      event.waitUntil(caches.delete(PAGES).then(function () {
        if (event.ports && event.ports[0]) { event.ports[0].postMessage(true); }
      }));
    }
  });
})();
