// The phone pages: sign in, then four views in one page (我的路段, 巡查, 上报问题, 我的案卷).
(function (RC) {
  const $ = id => document.getElementById(id);
  let segments = null, view = 'segments', lastTrack = [], route = null;
  const TODAY_ORDER = { due: 0, done: 1, not_due: 2 };  // what is left to do first

  async function signIn(event) {
    event.preventDefault();
    $('login-error').hidden = true;
    try {
      const res = await RC.api('/api/auth/login', { method: 'POST', json: { username: $('login-user').value, password: $('login-pass').value } });
      RC.token = res.token;
      localStorage.setItem('roadchief.token', res.token);
      localStorage.setItem('roadchief.user', JSON.stringify(res.user));
      $('login-pass').value = '';
      await start();
    } catch (err) {
      $('login-error').textContent = err.status ? err.message : '网络不通，无法登录';
      $('login-error').hidden = false;
    }
  }

  async function signOut() {
    if (RC.patrol.state() && !confirm('正在巡查，退出将丢弃未发送的轨迹。确定退出？')) return;
    try { await RC.api('/api/auth/logout', { method: 'POST' }); } catch (err) { /* signed out here anyway */ }
    localStorage.removeItem('roadchief.token');
    localStorage.removeItem('roadchief.user');
    localStorage.removeItem('roadchief.patrol');
    localStorage.removeItem('roadchief.me');
    if (window.caches) await forgetAnswers();
    location.reload();
  }

  // The service worker keeps the last API answers for offline use (sw.js): they are this user's,
  // so signing out removes them whatever the cache is called; the page's shell stays.
  async function forgetAnswers() {
    for (const name of await caches.keys()) {
      const cache = await caches.open(name);
      for (const request of await cache.keys()) {
        if (new URL(request.url).pathname.startsWith('/api/')) await cache.delete(request);
      }
    }
  }

  function showLogin() {
    $('view-login').hidden = false;
    $('app').hidden = true;
    $('tabs').hidden = true;
    $('logout').hidden = true;
    document.body.dataset.ready = '1';
  }

  function show(name) {
    view = name;
    for (const b of document.querySelectorAll('#tabs button')) b.classList.toggle('active', b.dataset.view === name);
    for (const v of ['segments', 'patrol', 'report', 'dust', 'flags', 'inspect', 'cases']) $('view-' + v).hidden = v !== name;
    const open = { segments: loadSegments, patrol: drawPatrol, report: RC.report.open, dust: RC.dust.open,
                   flags: RC.flags.open, inspect: RC.inspect.open, cases: RC.cases.open }[name];
    Promise.resolve(open()).catch(err => RC.toast(err.message, true));
  }

  async function loadSegments() {
    segments = await RC.api('/api/me/segments');
    const items = segments.features.slice().sort((a, b) =>
      TODAY_ORDER[a.properties.today] - TODAY_ORDER[b.properties.today]);
    const done = items.filter(f => f.properties.today === 'done').length;
    const due = items.filter(f => f.properties.today !== 'not_due').length;
    $('segments-summary').textContent = `共 ${items.length} 个路段；今日应巡 ${due} 个，已巡 ${done} 个。`;
    $('segment-list').innerHTML = items.map(f => {
      const p = f.properties;
      return `<li data-segment="${f.id}"><div class="main"><b>${RC.esc(p.road_name)}</b> #${f.id}
        <div class="sub">${RC.TIER_LABEL[p.tier]} · ${RC.esc(p.community_name || '')} · ${Math.round(p.length_m)} 米</div>
        <div class="sub">本周已巡 ${p.done_week} / 应巡 ${p.due_week}</div></div>
        <span class="badge ${p.today}">${RC.esc(p.today_label)}</span></li>`;
    }).join('') || (RC.chief && RC.chief.general_chief
      ? '<li>总路长、副总路长不分管具体路段：每半月巡查一次，全区道路均可，点「巡查」开始。</li>'
      : '<li>您名下暂无路段</li>');
    drawSegments();
  }

  function drawSegments() {
    const state = RC.patrol.state();
    RC.drawMap($('map'), { segments, track: state ? state.track : [], me: state && state.track.slice(-1)[0] });
  }

  function drawPatrol() {
    const state = RC.patrol.state();
    const seconds = state ? Math.max(0, (Date.now() - state.started_ms) / 1000) : 0;
    $('patrol-time').textContent = `${Math.floor(seconds / 60)}:${String(Math.floor(seconds % 60)).padStart(2, '0')}`;
    $('patrol-distance').textContent = `${Math.round(state ? state.distance_m : 0)} 米`;
    $('patrol-points').textContent = state ? state.points : 0;
    $('patrol-queued').textContent = RC.patrol.queued();
    $('patrol-start').hidden = !!state;
    $('patrol-end').hidden = !state || state.ending;
    $('patrol-state').textContent = !state ? '未在巡查' : state.ending ? '正在结束：等待网络发送轨迹…' : '巡查中：请保持本页打开';
    RC.drawMap($('patrol-map'), { segments, route, track: state ? state.track : lastTrack,
                                  me: state && state.track.slice(-1)[0] });
  }

  function patrolChanged(state, extra) {
    if (extra.ended) {
      const covered = extra.ended.features.filter(f => f.properties.kind === 'segment' && f.properties.covered).length;
      const p = extra.ended.patrol;
      $('patrol-result').innerHTML = `<p class="ok">巡查已结束：${Math.round(p.distance_m || 0)} 米，` +
        `${Math.round((p.duration_s || 0) / 60)} 分钟${p.too_fast ? '（速度过快，不计入巡查）' : ''}${covered ? '，覆盖 ' + covered + ' 个路段' : ''}。</p>`;
      const track = extra.ended.features[0].geometry;
      lastTrack = track ? track.coordinates : [];
      loadSegments().then(() => { if (view === 'patrol') drawPatrol(); }).catch(() => {});
    }
    if (view === 'patrol') drawPatrol();
    else if (view === 'segments') drawSegments();
  }

  async function startPatrol() {
    $('patrol-start').disabled = true;
    try {
      if (!segments) segments = await RC.api('/api/me/segments');
      await RC.patrol.start();
      $('patrol-result').innerHTML = '';
    } catch (err) {
      RC.toast(err.status ? err.message : '网络不通，无法开始巡查', true);
    } finally {
      $('patrol-start').disabled = false;
    }
    drawPatrol();
  }

  function here() {
    return new Promise(resolve => {
      if (!navigator.geolocation) return resolve(null);
      navigator.geolocation.getCurrentPosition(p => resolve([p.coords.longitude, p.coords.latitude]),
                                               () => resolve(null), { enableHighAccuracy: true, timeout: 10000 });
    });
  }

  // A closed walk over all my segments from where I stand (a rural-postman tour on the server).
  async function suggestRoute() {
    $('patrol-route').disabled = true;
    try {
      if (!segments) segments = await RC.api('/api/me/segments');
      const start = await here();
      const query = start ? `?lon=${start[0].toFixed(6)}&lat=${start[1].toFixed(6)}` : '';
      const walk = await RC.api(`/api/chiefs/${RC.chief.id}/patrol-route${query}`);
      route = walk.geometry.coordinates;
      const p = walk.properties;
      $('route-info').textContent = `建议路线：全程约 ${p.length_m >= 1000 ? (p.length_m / 1000).toFixed(1) + ' 公里' : Math.round(p.length_m) + ' 米'}，步行约 ${p.minutes_at_walking_pace} 分钟，` +
        `${p.covers_all ? '走遍' : '经过'}您的 ${new Set(p.segments.filter(s => s.own).map(s => s.segment_id)).size} 个路段` +
        `${start ? '，从当前位置出发' : ''}（图中紫色宽线）。`;
      $('route-info').hidden = false;
      drawPatrol();
    } catch (err) {
      RC.toast(err.status ? err.message : '网络不通，无法生成路线', true);
    } finally {
      $('patrol-route').disabled = false;
    }
  }

  function showNetwork() {
    $('net').hidden = navigator.onLine;
  }

  async function start() {
    let me;
    try {
      me = await RC.api('/api/me');
    } catch (err) {
      if (err.status === 401) { localStorage.removeItem('roadchief.token'); RC.token = null; return showLogin(); }
      me = JSON.parse(localStorage.getItem('roadchief.me') || 'null');  // offline: the last answer
      if (!me) return showLogin();
    }
    localStorage.setItem('roadchief.me', JSON.stringify(me));
    RC.chief = me.chief;
    $('view-login').hidden = true;
    $('logout').hidden = false;
    $('title').textContent = me.chief ? `路长通 · ${me.chief.name}` : '路长通';
    $('who').textContent = me.chief
      ? `${me.chief.name}（${me.chief.organisation || ''}${me.chief.position ? ' ' + me.chief.position : ''}）`
      : `账号 ${me.username} 尚未关联路长，请联系区级管理员。`;
    $('app').hidden = false;
    RC.me = me;
    // A chief has every view; a unit's user or an inspector without a chief has what their
    // work needs: 我的案卷 for a unit, 上报问题 for any writer.
    // 以克论净: chiefs on their segments, admins and inspectors in their area (roads/dust/samples.py).
    const weighs = ['district_admin', 'sub_district_admin', 'community_admin', 'inspector'].includes(me.role);
    // 红黑旗: the shops' flags, for chiefs (街长, segment holders) and the area admins (roads/shops/flags.py).
    const flags = ['district_admin', 'sub_district_admin', 'community_admin'].includes(me.role);
    // 巡检: chiefs and the admins who inspect sites and points (inspect.js).
    const inspects = RC.inspect.allowed(me);
    const views = me.chief ? ['segments', 'patrol', 'report', 'dust', 'flags', 'inspect', 'cases']
      : [...(['viewer', 'leader'].includes(me.role) ? [] : ['report']), ...(weighs ? ['dust'] : []),
         ...(flags ? ['flags'] : []), ...(inspects ? ['inspect'] : []), ...(me.unit_id ? ['cases'] : [])];
    for (const b of document.querySelectorAll('#tabs button')) b.hidden = !views.includes(b.dataset.view);
    $('tabs').hidden = !views.length;
    if (me.chief) {
      RC.patrol.resume();
      show(RC.patrol.state() ? 'patrol' : 'segments');
    } else if (views.length) {
      $('title').textContent = `路长通 · ${me.display_name || me.username}（${me.role_label}）`;
      show(views.includes('cases') ? 'cases' : views.includes('report') ? 'report' : views[0]);
    }
    document.body.dataset.ready = '1';
  }

  $('login-form').addEventListener('submit', signIn);
  $('logout').addEventListener('click', signOut);
  $('tabs').addEventListener('click', e => { if (e.target.dataset.view) show(e.target.dataset.view); });
  $('patrol-start').addEventListener('click', startPatrol);
  $('patrol-route').addEventListener('click', suggestRoute);
  $('patrol-end').addEventListener('click', () => RC.patrol.end());
  RC.patrol.onChange(patrolChanged);
  RC.report.init();
  RC.dust.init();
  RC.cases.init();
  RC.inspect.init();
  window.addEventListener('online', showNetwork);
  window.addEventListener('offline', showNetwork);
  setInterval(() => { if (view === 'patrol' && RC.patrol.state()) drawPatrol(); }, 1000);
  showNetwork();
  if ('serviceWorker' in navigator) navigator.serviceWorker.register('/m/sw.js', { scope: '/m' }).catch(() => {});
  if (RC.token) start(); else showLogin();
})(window.RC);
