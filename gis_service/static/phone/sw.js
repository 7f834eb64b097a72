// The phone pages' service worker: the page and its assets come from the cache at once (and are
// refreshed behind), so /m opens on a weak connection or none; the API is asked first and its last
// GET answers serve when the network fails. Writes are never cached: the patrol queue resends them.
const CACHE = 'roadchief-phone-v4';  // a new name when the shell's files change
const SHELL = ['/m', '/static/phone/phone.css', '/static/js/api.js', '/static/phone/svgmap.js',
  '/static/phone/recorder.js', '/static/phone/report.js', '/static/phone/dust.js', '/static/js/case_actions.js', '/static/phone/cases.js',
  '/static/phone/flags.css', '/static/phone/flags.js', '/static/phone/inspect.js', '/static/phone/inspect.css',
  '/static/phone/app.js'];

self.addEventListener('install', event => {
  event.waitUntil(caches.open(CACHE).then(cache => cache.addAll(SHELL)).then(() => self.skipWaiting()));
});

self.addEventListener('activate', event => {
  event.waitUntil(caches.keys()
    .then(keys => Promise.all(keys.filter(k => k !== CACHE).map(k => caches.delete(k))))
    .then(() => self.clients.claim()));
});

async function shellFirst(request) {
  const cache = await caches.open(CACHE);
  const cached = await cache.match(request);
  const fresh = fetch(request).then(response => {
    if (response.ok) cache.put(request, response.clone());
    return response;
  });
  if (cached) { fresh.catch(() => {}); return cached; }
  return fresh;
}

async function networkFirst(request) {
  const cache = await caches.open(CACHE);
  try {
    const response = await fetch(request);
    if (response.ok) cache.put(request, response.clone());
    return response;
  } catch (err) {
    const cached = await cache.match(request);
    if (cached) return cached;
    throw err;
  }
}

self.addEventListener('fetch', event => {
  const url = new URL(event.request.url);
  if (event.request.method !== 'GET' || url.origin !== self.location.origin) return;
  if (SHELL.includes(url.pathname)) event.respondWith(shellFirst(event.request));
  else if (url.pathname.startsWith('/api/me') || url.pathname === '/api/issue-categories') {
    event.respondWith(networkFirst(event.request));
  }
});
