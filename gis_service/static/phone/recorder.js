// Recording a patrol: watchPosition while the page is open, readings sent in batches (20 points or
// every 30 s) with a batch_id, and every batch kept in localStorage until the server has it. A batch
// whose answer was lost is sent again: the server stores a batch once (patrol_batch).
window.RC = window.RC || {};
(function (RC) {
  const KEY = 'roadchief.patrol';
  const BATCH_POINTS = 20, BATCH_SECONDS = 30;
  let watchId = null, timer = null, sending = false;

  // {id, started_at, track: [[lon, lat]], pending: [point], queue: [{batch_id, points}],
  //  seq, points, distance_m, ending}
  function load() { return JSON.parse(localStorage.getItem(KEY) || 'null'); }
  function save(state) { if (state) localStorage.setItem(KEY, JSON.stringify(state)); else localStorage.removeItem(KEY); }

  function metres([x1, y1], [x2, y2]) {
    const r = Math.PI / 180, k = Math.cos((y1 + y2) / 2 * r);
    return Math.hypot((x2 - x1) * k, y2 - y1) * r * 6371000;
  }

  const listeners = [];
  RC.patrol = {
    state: load,
    onChange(fn) { listeners.push(fn); },
    queued() { const s = load(); return s ? s.queue.reduce((n, b) => n + b.points.length, 0) + s.pending.length : 0; },
  };
  function changed(extra) { const s = load(); for (const fn of listeners) fn(s, extra || {}); }

  function onPosition(position) {
    const state = load();
    if (!state || state.ending) return;
    const c = position.coords, here = [c.longitude, c.latitude];
    // The phone's clock at the reading: position.timestamp is not reliable on every browser.
    state.pending.push({ t: new Date().toISOString(), lon: here[0], lat: here[1], accuracy_m: c.accuracy });
    const last = state.track[state.track.length - 1];
    if (last) state.distance_m += metres(last, here);
    state.track.push(here);
    state.points += 1;
    save(state);
    changed({ here });
    if (state.pending.length >= BATCH_POINTS) flush();
  }

  function onError(error) {
    const text = error.code === 1 ? '未获得定位权限：请在浏览器设置中允许本网站使用位置信息（须使用 HTTPS 访问）'
      : '暂时无法定位，请到开阔处稍候';
    RC.toast(text, true);
  }

  function flush() {
    const state = load();
    if (!state) return Promise.resolve();
    if (state.pending.length) {
      state.seq += 1;
      state.queue.push({ batch_id: `${state.id}-${state.started_ms}-${state.seq}`, points: state.pending });
      state.pending = [];
      save(state);
    }
    return send();
  }

  // Send the queued batches in order; stop at the first network failure (try again later).
  async function send() {
    if (sending) return;
    sending = true;
    try {
      for (;;) {
        const state = load();
        if (!state || !state.queue.length) break;
        const batch = state.queue[0];
        try {
          await RC.api(`/api/patrols/${state.id}/points`, { method: 'POST', json: batch });
        } catch (err) {
          if (!err.status || err.status >= 500) break;  // offline or the server is away: keep it
          RC.toast(err.message, true);  // refused for good (4xx): sending it again cannot help
        }
        const after = load();
        after.queue.shift();
        save(after);
        changed();
      }
      const state = load();
      if (state && state.ending && !state.queue.length && !state.pending.length) await finish(state);
    } finally {
      sending = false;
    }
  }

  async function finish(state) {
    try {
      const result = await RC.api(`/api/patrols/${state.id}/end`, { method: 'POST' });
      save(null);
      changed({ ended: result });
    } catch (err) {
      if (err.status && err.status < 500) { save(null); RC.toast(err.message, true); changed(); }
    }
  }

  function watch() {
    if (watchId !== null || !navigator.geolocation) return;
    watchId = navigator.geolocation.watchPosition(onPosition, onError,
      { enableHighAccuracy: true, maximumAge: 0, timeout: 60000 });
    timer = setInterval(flush, BATCH_SECONDS * 1000);
  }

  function unwatch() {
    if (watchId !== null) navigator.geolocation.clearWatch(watchId);
    clearInterval(timer);
    watchId = null;
  }

  RC.patrol.start = async function () {
    if (!navigator.geolocation) throw new Error('此浏览器不支持定位');
    const { id } = await RC.api('/api/patrols', { method: 'POST', json: {} });
    save({ id, started_ms: Date.now(), track: [], pending: [], queue: [], seq: 0, points: 0, distance_m: 0, ending: false });
    watch();
    changed();
  };

  // Ends once every reading is sent; offline, the end waits in the queue like the readings.
  RC.patrol.end = async function () {
    unwatch();
    const state = load();
    if (!state) return;
    state.ending = true;
    save(state);
    changed();
    await flush();
  };

  // A patrol still open when the page was closed or reloaded: record on, and send what waits.
  RC.patrol.resume = function () {
    const state = load();
    if (!state) return;
    if (!state.ending) watch();
    send();
  };

  window.addEventListener('online', () => send());
  setInterval(() => { if (load()) send(); }, 15000);
})(window.RC);
