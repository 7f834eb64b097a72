// Side panels: statistics, segment details and history, search, sign-in, tabs and toggles.
(function (RC) {
  const $ = id => document.getElementById(id);

  RC.showTab = function (name) {
    document.querySelectorAll('aside nav button').forEach(b => b.classList.toggle('active', b.dataset.tab === name));
    document.querySelectorAll('.tab').forEach(t => { t.hidden = t.id !== 'tab-' + name; });
  };

  // ---- statistics ----
  RC.loadStats = async function () {
    const sub = $('stats-sub').value, community = $('stats-community').value;
    const query = community ? `level=community&id=${community}` : sub ? `level=sub_district&id=${sub}` : 'level=district';
    try {
      const data = await RC.api('/api/coverage?' + query + '&uncovered_limit=100');
      $('stats-body').innerHTML = statsHtml(data);
      $('stats-body').querySelectorAll('[data-segment]').forEach(el =>
        el.addEventListener('click', () => RC.focusSegment(Number(el.dataset.segment))));
    } catch (err) { $('stats-body').textContent = err.message; }
  };

  function bar(share, cls) {
    return `<div class="bar ${cls || ''}"><span style="width:${((share || 0) * 100).toFixed(1)}%"></span></div>`;
  }

  function statsHtml(data) {
    const u = data.units[0];
    if (!u) return '<p>没有路段。</p>';
    const target = data.party_target;
    let html = `<h3 id="stats-title">${RC.esc(u.name)}</h3>
      <p>路段 ${u.segments} 段，共 <b>${u.total_km.toFixed(2)}</b> 公里</p>
      <table id="stats-tiers"><tr><th>层级</th><th class="num">已覆盖(公里)</th><th class="num">覆盖率</th><th></th></tr>`;
    for (const t of ['1', '2', '3']) {
      html += `<tr data-tier="${t}"><td>${RC.TIER_LABEL[t]}</td><td class="num">${u.tiers[t].km.toFixed(2)}</td>
        <td class="num tier-share">${RC.pct(u.tiers[t].share)}</td><td style="width:30%">${bar(u.tiers[t].share)}</td></tr>`;
    }
    html += `<tr><td>一至三级全覆盖</td><td class="num">${u.all_tiers.km.toFixed(2)}</td><td class="num">${RC.pct(u.all_tiers.share)}</td>
      <td>${bar(u.all_tiers.share)}</td></tr></table>
      <h3>三级路长党员占比</h3>
      <p id="party-share">按人数：${u.tier3_party_chiefs} / ${u.tier3_chiefs} 人，<b class="${u.meets_party_target ? 'ok' : 'warn'}">${RC.pct(u.tier3_party_share_by_people)}</b>
        （目标 ${RC.pct(target)}，${u.meets_party_target ? '已达标' : '未达标'}）</p>${bar(u.tier3_party_share_by_people, 'party')}
      <p id="party-share-length">按长度：<b>${RC.pct(u.tier3_party_share_by_length)}</b>
        <span class="muted">（三级路长为党员的道路长度 ÷ 道路总长度）</span></p>${bar(u.tier3_party_share_by_length, 'party')}
      <h3>未全覆盖路段（${data.uncovered.total} 段）</h3>
      <table id="uncovered"><tr><th>道路</th><th>村/社区</th><th class="num">长度(米)</th><th>缺</th></tr>`;
    for (const s of data.uncovered.segments) {
      html += `<tr data-segment="${s.segment_id}" style="cursor:pointer"><td>${RC.esc(s.road_name)}</td><td>${RC.esc(s.community_name)}</td>
        <td class="num">${Math.round(s.length_m)}</td><td>${s.missing_tiers.map(t => ['', '一', '二', '三'][t]).join('、')}级</td></tr>`;
    }
    if (data.uncovered.total > data.uncovered.segments.length) html += `<tr><td colspan="4" class="muted">仅列出前 ${data.uncovered.segments.length} 段</td></tr>`;
    html += `</table><h3>村/社区排名（按三级路长覆盖率）</h3>
      <table id="ranking"><tr><th>#</th><th>村/社区</th><th class="num">三级覆盖</th><th class="num">全覆盖</th><th class="num" title="三级路长党员占比（按人数）">党员(人)</th><th class="num" title="三级路长党员占比（按长度）">党员(长)</th></tr>`;
    for (const r of data.ranking) {
      html += `<tr><td>${r.rank}</td><td>${RC.esc(r.name)}</td><td class="num">${RC.pct(r.tiers['3'].share)}</td>
        <td class="num">${RC.pct(r.all_tiers.share)}</td><td class="num ${r.meets_party_target ? 'ok' : 'warn'}">${RC.pct(r.tier3_party_share_by_people)}</td>
        <td class="num">${RC.pct(r.tier3_party_share_by_length)}</td></tr>`;
    }
    return html + '</table>';
  }

  async function fillAreaChoices() {
    const [subs, communities] = await Promise.all([RC.api('/api/coverage?level=sub_district&uncovered_limit=0'),
                                                   RC.api('/api/coverage?level=community&uncovered_limit=0')]);
    RC.communities = communities.units;
    $('stats-sub').innerHTML = '<option value="">全区</option>' +
      subs.units.map(u => `<option value="${u.id}">${RC.esc(u.name)}</option>`).join('');
    fillCommunities();
  }

  function fillCommunities() {
    const sub = Number($('stats-sub').value);
    $('stats-community').innerHTML = '<option value="">（全部村/社区）</option>' + (RC.communities || [])
      .filter(c => !sub || c.sub_district_id === sub)
      .map(c => `<option value="${c.id}">${RC.esc(c.name)}</option>`).join('');
  }

  RC.showAreaStats = function (subDistrictId, communityId) {
    $('stats-sub').value = String(subDistrictId || '');
    fillCommunities();
    $('stats-community').value = String(communityId || '');
    RC.showTab('stats');
    RC.loadStats();
  };

  // ---- one segment ----
  RC.showSegment = async function (id) {
    RC.currentSegment = id;
    RC.showTab('segment');
    try {
      const [d, h] = await Promise.all([RC.api('/api/segments/' + id), RC.api(`/api/segments/${id}/history`)]);
      $('segment-body').innerHTML = segmentHtml(d, h);
    } catch (err) { $('segment-body').textContent = err.message; }
  };

  function chiefHtml(c) {
    if (!c) return '<span class="warn">未指派</span>';
    return `${RC.esc(c.name)} ${c.is_party_member ? '<span class="party-badge">党员</span>' : ''}
      <span class="muted">${RC.tel(c.phone)} ${RC.esc(c.organisation || '')} ${RC.esc(c.position || '')}</span>`;
  }

  function segmentHtml(d, h) {
    let html = `<h3 id="segment-title">${RC.esc(d.road_name)} <span class="muted">#${d.segment_id}</span></h3>
      <p>${RC.esc(d.road_class)} · ${RC.esc(d.sub_district_name || '')} · ${RC.esc(d.community_name || '')} · ${Math.round(d.length_m)} 米</p>
      <table id="segment-chiefs">`;
    for (const t of ['1', '2', '3']) html += `<tr data-tier="${t}"><th>${RC.TIER_LABEL[t]}</th><td>${chiefHtml(d.chiefs[t])}</td></tr>`;
    html += `</table><h3>未结案问题（${d.open_issues.length}）</h3><ul class="plain">` +
      d.open_issues.map(i => `<li>${RC.esc(i.category_name)} · ${RC.STATUS_LABEL[i.status] || i.status} · ${RC.esc(RC.localTime(i.reported_at, false))}</li>`).join('') +
      '</ul><h3>指派记录</h3><table id="segment-history"><tr><th>层级</th><th>路长</th><th>起</th><th>止</th></tr>' +
      h.assignments.map(a => `<tr><td>${a.tier}级</td><td>${RC.esc(a.chief_name)}${a.is_party_member ? ' <span class="party-badge">党员</span>' : ''}</td>
        <td>${RC.esc(RC.localTime(a.valid_from, false))}</td><td>${a.valid_to ? RC.esc(RC.localTime(a.valid_to, false)) : '至今'}</td></tr>`).join('') +
      '</table><h3>变更日志</h3><table id="segment-audit"><tr><th>时间</th><th>操作人</th><th>变更</th></tr>' +
      h.audit.map(a => `<tr><td>${RC.esc(RC.localTime(a.changed_at, true))}</td><td>${RC.esc(a.username)}</td>
        <td>${a.tier}级 ${RC.ACTION_LABEL[a.action]}：${RC.esc(a.old_chief_name || '—')} → ${RC.esc(a.new_chief_name || '—')}</td></tr>`).join('') +
      (h.audit.length ? '' : '<tr><td colspan="3" class="muted">暂无通过本系统的变更</td></tr>') + '</table>';
    return html;
  }

  RC.focusSegment = async function (id) {
    const fc = await RC.api('/api/segments?ids=' + id);
    if (fc.features.length) {
      const coords = fc.features[0].geometry.coordinates;
      const xs = coords.map(c => c[0]), ys = coords.map(c => c[1]);
      RC.zoomTo([Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)], 17);
      RC.rememberShapes(fc);
    }
    RC.selected = new Set([id]);
    RC.selectionChanged();
    RC.showSegment(id);
  };

  // ---- search: roads and chiefs ----
  let searchTimer;
  async function search(q) {
    const list = $('search-results');
    if (!q.trim()) { list.hidden = true; return; }
    const [roads, chiefs] = await Promise.all([RC.api('/api/roads?limit=8&q=' + encodeURIComponent(q)),
                                               RC.api('/api/chiefs?limit=8&q=' + encodeURIComponent(q))]);
    list.innerHTML = roads.map(r => `<li data-road="${RC.esc(r.name)}"><span class="tag">道路</span> ${RC.esc(r.name)} <span class="muted">${r.road_class} · ${r.segments} 段</span></li>`).join('') +
      chiefs.map(c => `<li data-chief="${c.id}"><span class="tag">路长</span> ${RC.esc(c.name)} ${c.is_party_member ? '<span class="party-badge">党员</span>' : ''} <span class="muted">${RC.esc(c.organisation || '')} · ${c.segments} 段</span></li>`).join('') ||
      '<li class="muted">没有结果</li>';
    list.hidden = false;
  }

  async function pickResult(li) {
    $('search-results').hidden = true;
    const query = li.dataset.road ? 'road=' + encodeURIComponent(li.dataset.road) : li.dataset.chief ? 'chief=' + li.dataset.chief : null;
    if (!query) return;
    const fc = await RC.api('/api/segments?' + query);
    if (!fc.features.length) { RC.toast('没有路段'); return; }
    const coords = fc.features.flatMap(f => f.geometry.coordinates);
    RC.zoomTo([Math.min(...coords.map(c => c[0])), Math.min(...coords.map(c => c[1])),
               Math.max(...coords.map(c => c[0])), Math.max(...coords.map(c => c[1]))]);
    RC.rememberShapes(fc);
    RC.selected = new Set(fc.features.map(f => f.properties.segment_id));  // a whole road: ready to assign
    RC.selectionChanged();
    RC.toast(`已选 ${RC.selected.size} 段路段`);
  }

  // ---- sign-in ----
  function showUser() {
    $('login-form').hidden = !!RC.user;
    $('signed-in').hidden = !RC.user;
    if (RC.user) $('who').textContent = `${RC.user.display_name || RC.user.username}（${RC.user.role_label}）`;
    // A read-only user sees no write controls (the API refuses them anyway).
    document.body.dataset.readOnly = RC.user && RC.user.role === 'viewer' ? '1' : '';
    if (RC.onSelection) RC.onSelection();
  }

  async function login(e) {
    e.preventDefault();
    try {
      await RC.signIn($('login-user').value, $('login-pass').value);
      $('login-pass').value = '';
      showUser();
      RC.toast('已登录');
    } catch (err) { RC.toast(err.message, true); }
  }

  async function logout() {
    await RC.signOut();
    clearScreen();
    showUser();
  }

  // What the last user selected, opened and was told goes with them.
  function clearScreen() {
    RC.resetAssign();
    RC.selected.clear();
    RC.currentSegment = null;
    RC.selectionChanged();
    $('segment-body').innerHTML = '<p class="muted">在地图上单击路段查看详情。</p>';
    $('search').value = '';
    $('search-results').hidden = true;
    $('toast').hidden = true;
    RC.showTab('stats');
  }

  async function checkToken() {
    if (!RC.token) return;
    try { RC.user = await RC.api('/api/auth/me'); } catch (err) { RC.token = null; RC.user = null; localStorage.removeItem('roadchief.token'); }
    showUser();
  }

  function showDistrict(district) {
    document.title = `${district.name} · 路长制 · 路段覆盖与路长指派`;
    document.querySelector('header h1').textContent = `${district.name} · 路长制 · 路段覆盖图`;
  }

  // ---- start ----
  async function start() {
    const config = await RC.api('/api/webmap/config');
    RC.config = config;
    showDistrict(config.district);
    RC.initMap(config);
    document.querySelectorAll('aside nav button').forEach(b => b.addEventListener('click', () => RC.showTab(b.dataset.tab)));
    document.querySelectorAll('input[name=view]').forEach(r => r.addEventListener('change', () => RC.setView(r.value)));
    document.querySelectorAll('#layer-toggles input').forEach(c => {
      RC.setLayerVisible(c.dataset.layer, c.checked);
      c.addEventListener('change', () => RC.setLayerVisible(c.dataset.layer, c.checked));
    });
    $('stats-sub').addEventListener('change', () => { fillCommunities(); RC.loadStats(); });
    $('stats-community').addEventListener('change', RC.loadStats);
    $('search').addEventListener('input', e => { clearTimeout(searchTimer); searchTimer = setTimeout(() => search(e.target.value), 250); });
    $('search-results').addEventListener('click', e => { const li = e.target.closest('li'); if (li) pickResult(li); });
    $('login-form').addEventListener('submit', login);
    $('logout').addEventListener('click', logout);
    showUser();
    await checkToken();
    await fillAreaChoices();
    await RC.loadStats();
    document.body.dataset.ready = '1';
  }
  window.addEventListener('DOMContentLoaded', () => start().catch(err => RC.toast(err.message, true)));
})(window.RC);
