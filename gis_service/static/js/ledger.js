// The 台账 page: the filtered ledger list and its map (#/), and one case (#/issues/123).
(function (RC) {
  const $ = id => document.getElementById(id);
  const PAGE_SIZE = 20;
  const MAP_LIMIT = 1000;  // the map shows the newest cases of the filter, at most this many
  const SOURCE_LABEL = { patrol: '路长巡查', hotline: '热线', dcm: '数字城管', open311: '市民上报', api: '系统录入',
                         import: '批量导入' };
  const DOT = { open: '#e53935', overdue: '#7b1fa2', closed: '#43a047', rejected: '#9e9e9e' };
  let page = 1;
  let listMap = null;
  let caseMap = null;
  const dots = new ol.source.Vector();
  const caseDot = new ol.source.Vector();

  // ---- the filter: the form's values as the query string of GET /api/issues ----
  function filterQuery() {
    const query = new URLSearchParams();
    for (const [name, value] of new FormData($('filters'))) {
      if (value !== '') query.set(name, value);
    }
    return query;
  }

  function dotStyle(feature) {
    const status = feature.get('status');
    const kind = ['closed', 'rejected'].includes(status) ? status : feature.get('overdue') ? 'overdue' : 'open';
    return new ol.style.Style({ image: new ol.style.Circle({
      radius: 6, fill: new ol.style.Fill({ color: DOT[kind] }), stroke: new ol.style.Stroke({ color: '#fff', width: 1.5 }) }) });
  }

  function contextLayer() {
    return new ol.layer.VectorTile({
      source: new ol.source.VectorTile({ format: new ol.format.MVT(), url: '/tiles/communities/{z}/{x}/{y}.mvt', maxZoom: 18 }),
      style: new ol.style.Style({ fill: new ol.style.Fill({ color: 'rgba(236, 232, 220, 0.55)' }),
                                  stroke: new ol.style.Stroke({ color: '#b0a58f', width: 1 }) }),
    });
  }

  function baseLayers() {
    const layers = [];
    if (RC.config.basemap_url) layers.push(new ol.layer.Tile({ source: new ol.source.XYZ({ url: RC.config.basemap_url }) }));
    layers.push(contextLayer());
    layers.push(new ol.layer.VectorTile({
      source: new ol.source.VectorTile({ format: new ol.format.MVT(), url: '/tiles/segments/{z}/{x}/{y}.mvt', maxZoom: 18 }),
      style: new ol.style.Style({ stroke: new ol.style.Stroke({ color: '#9e9e9e', width: 1.5 }) }),
    }));
    return layers;
  }

  function fitDistrict(map) {
    if (RC.config.extent) {
      map.getView().fit(ol.proj.transformExtent(RC.config.extent, 'EPSG:4326', 'EPSG:3857'), { padding: [20, 20, 20, 20] });
    }
  }

  function initListMap() {
    listMap = new ol.Map({
      target: 'ledger-map',
      layers: baseLayers().concat([new ol.layer.Vector({ source: dots, style: dotStyle, properties: { name: 'issues' } })]),
      view: new ol.View({ center: [0, 0], zoom: 2, maxZoom: 19 }),
    });
    listMap.updateSize();
    fitDistrict(listMap);
    listMap.on('singleclick', e => {
      const hit = listMap.getFeaturesAtPixel(e.pixel, { layerFilter: l => l.get('name') === 'issues', hitTolerance: 6 })[0];
      if (hit) location.hash = '#/issues/' + hit.getId();
    });
    listMap.on('pointermove', e => {
      const hit = listMap.hasFeatureAtPixel(e.pixel, { layerFilter: l => l.get('name') === 'issues', hitTolerance: 6 });
      listMap.getTargetElement().style.cursor = hit ? 'pointer' : '';
    });
    RC.map = listMap;
    RC.ledgerDots = dots;
  }

  // ---- the list ----
  function statusBadge(issue) {
    const overdue = issue.overdue ? '<span class="badge overdue">超期</span>' : '';
    return `<span class="badge s-${RC.esc(issue.status)}">${RC.esc(issue.status_label)}</span>${overdue}`;
  }

  function listItem(issue) {
    const place = [issue.sub_district_name, issue.community_name, issue.road_name].filter(Boolean).map(RC.esc).join(' · ');
    return `<li><a href="#/issues/${issue.id}" data-id="${issue.id}">
      <div class="line1"><b>${RC.esc(issue.category_name)}</b> ${statusBadge(issue)}<span class="id">#${issue.id}</span></div>
      <div class="line2">${place || '位置未知'}</div>
      <div class="line3 muted">${RC.localTime(issue.reported_at, true)} 上报 · ${RC.esc(SOURCE_LABEL[issue.source] || issue.source)}
        ${issue.description ? ' · ' + RC.esc(issue.description.slice(0, 40)) : ''}</div></a></li>`;
  }

  // Filters change faster than answers come: only the answer to the latest request is shown.
  let listAsked = 0;
  let dotsAsked = 0;

  async function loadList() {
    const asked = ++listAsked;
    const query = filterQuery();
    const filter = query.toString();
    $('export').href = '/api/exports/issues.xlsx?' + query.toString();
    query.set('page', page);
    query.set('page_size', PAGE_SIZE);
    const result = await RC.api('/api/issues?' + query.toString());
    if (asked !== listAsked) return;
    const pages = Math.max(1, Math.ceil(result.total / PAGE_SIZE));
    $('list-summary').textContent = `共 ${result.total} 条问题`;
    $('issue-list').innerHTML = result.items.map(listItem).join('') || '<li class="muted empty">没有符合条件的问题。</li>';
    $('page-info').textContent = `第 ${page} / ${pages} 页`;
    $('prev-page').disabled = page <= 1;
    $('next-page').disabled = page >= pages;
    document.body.dataset.listed = String(result.total);
    document.body.dataset.filter = filter;
  }

  async function loadDots() {
    const asked = ++dotsAsked;
    const query = filterQuery();
    const filter = query.toString();
    query.set('format', 'geojson');
    query.set('page_size', MAP_LIMIT);
    const collection = await RC.api('/api/issues?' + query.toString());
    if (asked !== dotsAsked) return;
    dots.clear();
    dots.addFeatures(new ol.format.GeoJSON().readFeatures(collection, { featureProjection: 'EPSG:3857' }));
    $('map-note').textContent = collection.numberMatched > MAP_LIMIT
      ? `地图显示最新的 ${MAP_LIMIT} 条（共 ${collection.numberMatched} 条）` : `地图显示全部 ${collection.numberMatched} 条`;
    document.body.dataset.dots = String(dots.getFeatures().length);
    document.body.dataset.dotsFilter = filter;
  }

  async function refresh() {
    await Promise.all([loadList(), loadDots()]);
  }

  async function fillChoices() {
    const [categories, units, subs, communities] = await Promise.all([
      RC.api('/api/issue-categories'), RC.api('/api/units'),
      RC.api('/api/coverage?level=sub_district&uncovered_limit=0'), RC.api('/api/coverage?level=community&uncovered_limit=0')]);
    const form = $('filters');
    form.status.innerHTML += `<option value="${RC.OPEN_STATUSES.join(',')}">未结案</option>` +
      Object.entries(RC.STATUS_LABEL).map(([code, label]) => `<option value="${code}">${label}</option>`).join('');
    form.category.innerHTML += categories.map(c =>
      `<option value="${RC.esc(c.code)}">${c.parent_code ? '　' : ''}${RC.esc(c.code)} ${RC.esc(c.name)}</option>`).join('');
    form.unit.innerHTML += units.map(u => `<option value="${u.id}">${RC.esc(u.name)}</option>`).join('');
    form.area.innerHTML += '<optgroup label="办事处">' +
      subs.units.map(u => `<option value="sub-district:${u.id}">${RC.esc(u.name)}</option>`).join('') +
      '</optgroup><optgroup label="村/社区">' +
      communities.units.map(u => `<option value="community:${u.id}">${RC.esc(u.name)}</option>`).join('') + '</optgroup>';
  }

  // ---- one case ----
  // Deadlines run in working time (the work calendar): the time left is in working hours.
  function timeLeft(issue) {
    if (!issue.due_at) return '本类问题无处置时限';
    const due = `处置时限 ${RC.localTime(issue.due_at, true)}（北京时间）`;
    if (issue.status === 'closed') return `${due}，已于 ${RC.localTime(issue.updated_at, true)} 结案`;
    if (issue.status === 'rejected') return '不予立案，不计处置时限';
    if (issue.status === 'on_hold') return `${due}，已挂账，暂停计时`;
    const left = issue.time_left_work_hours;
    const hours = h => `${Math.round(h * 10) / 10} 工作小时`;
    if (left == null) return due;
    return left >= 0 && !issue.overdue ? `${due}，剩余 ${hours(left)}` : `${due}，<b class="warn">已超期 ${hours(-left)}</b>`;
  }

  function photoList(photos, title) {
    if (!photos.length) return `<div class="photos"><h4>${title}</h4><p class="muted">无</p></div>`;
    return `<div class="photos"><h4>${title}</h4>` + photos.map(p =>
      `<a href="${RC.esc(p.url)}" target="_blank" rel="noopener"><img src="${RC.esc(p.url)}" alt="${RC.esc(p.file_name)}"></a>`).join('') + '</div>';
  }

  function renderPhotos(issue) {
    // Before: the report's photos (and more of the problem); after: the handlers' feedback.
    const before = issue.photos.filter(p => p.stage !== 'after');
    const after = issue.photos.filter(p => p.stage === 'after');
    $('case-photos').innerHTML = photoList(before, '上报照片（处置前）') + photoList(after, '反馈照片（处置后）');
  }

  const EVALUATION_LABEL = { 5: '满意', 3: '基本满意', 1: '不满意' };
  const REJECT_LABEL = { duplicate: '重复', outside: '非本辖区', not_ours: '非城管职责', invalid: '无效' };

  function stepDetail(s) {
    const parts = [];
    const dispatch = ['dispatch', 'file_and_dispatch'].includes(s.action);  // where the unit changes
    if (dispatch && (s.unit_name || s.department)) parts.push('派往：' + RC.esc(s.unit_name || s.department));
    if (s.reason) parts.push('原因：' + RC.esc(REJECT_LABEL[s.reason] || s.reason));
    if (s.data && s.data.duplicate_of) parts.push(`重复案卷 #${s.data.duplicate_of}`);
    if (s.data && s.data.due_at) parts.push('时限至 ' + RC.localTime(s.data.due_at, true));
    if (s.note) parts.push(RC.esc(s.note));
    return parts.length ? `<div class="muted">${parts.join('；')}</div>` : '';
  }

  function renderTimeline(issue) {
    $('case-timeline').innerHTML = issue.steps.map(s => `<li class="${s.rework ? 'rework' : ''}" data-action="${RC.esc(s.action)}">
      <div><b>${RC.esc(s.action_label || s.label)}</b>${s.rework ? ' <span class="badge overdue">返工</span>' : ''}
        <span class="muted at">${RC.localTime(s.at, true)}</span></div>
      <div class="who">${RC.esc(SOURCE_LABEL[s.actor] || s.actor || '')}${s.role_label ? '（' + RC.esc(s.role_label) + '）' : ''}</div>
      ${stepDetail(s)}</li>`).join('');
  }

  function renderActions(issue) {
    RC.caseActions($('case-actions'), issue, () => showCase(issue.id));
  }

  async function uploadPhotos(e) {
    e.preventDefault();
    const files = $('photo-file').files;
    if (!files.length) { RC.toast('请先选择照片', true); return; }
    const form = new FormData();
    for (const file of files) form.append('photos', file);
    form.append('stage', $('photo-stage').value);
    try {
      await RC.api(`/api/issues/${$('case-view').dataset.id}/photos`, { method: 'POST', body: form });
      $('photo-file').value = '';
      RC.toast('照片已上传');
      await showCase(Number($('case-view').dataset.id));
    } catch (err) { RC.toast(err.message, true); }
  }

  function placeCase(issue) {
    if (!caseMap) {
      caseMap = new ol.Map({
        target: 'case-map',
        layers: baseLayers().concat([new ol.layer.Vector({ source: caseDot, style: dotStyle })]),
        view: new ol.View({ center: [0, 0], zoom: 2, maxZoom: 19 }),
      });
    }
    caseDot.clear();
    const point = new ol.Feature({ geometry: new ol.geom.Point(ol.proj.fromLonLat([issue.lon, issue.lat])),
                                   status: issue.status, overdue: issue.overdue });
    caseDot.addFeature(point);
    caseMap.updateSize();
    caseMap.getView().setCenter(point.getGeometry().getCoordinates());
    caseMap.getView().setZoom(17);
  }

  async function showCase(issueId) {
    const issue = await RC.api(`/api/issues/${issueId}`);
    const view = $('case-view');
    view.dataset.id = String(issue.id);
    const place = [issue.sub_district_name, issue.community_name].filter(Boolean).map(RC.esc).join(' · ');
    $('case-head').innerHTML = `<h2>#${issue.id} ${RC.esc(issue.category_name)} ${statusBadge(issue)}</h2>
      <p class="muted">${RC.esc(issue.category_code)} · ${RC.esc(SOURCE_LABEL[issue.source] || issue.source)}</p>`;
    $('case-deadline').innerHTML = `<p class="deadline">${timeLeft(issue)}</p>`;
    $('case-stages').innerHTML = RC.stagesTable(issue);
    $('case-report').innerHTML = `<table>
      <tr><th>位置</th><td>${place || '—'}${issue.address ? '，' + RC.esc(issue.address) : ''}</td></tr>
      <tr><th>道路/路段</th><td>${issue.segment_id ? RC.esc(issue.road_name) + '，路段 ' + issue.segment_id : '未匹配到路段'}</td></tr>
      <tr><th>上报</th><td>${RC.localTime(issue.reported_at, true)}，${RC.esc(issue.reporter || SOURCE_LABEL[issue.source] || issue.source)}</td></tr>
      <tr><th>处置单位</th><td>${RC.esc(issue.unit_name || issue.department || '未派遣')}</td></tr>
      ${issue.reject_reason ? `<tr><th>不予立案</th><td>${RC.esc(REJECT_LABEL[issue.reject_reason] || issue.reject_reason)}${issue.duplicate_of ? `，重复案卷 <a href="#/issues/${issue.duplicate_of}">#${issue.duplicate_of}</a>` : ''}</td></tr>` : ''}
      ${issue.hold_reason ? `<tr><th>挂账原因</th><td>${RC.esc(issue.hold_reason)}</td></tr>` : ''}
      ${issue.evaluation_score ? `<tr><th>综合评价</th><td>${EVALUATION_LABEL[issue.evaluation_score] || issue.evaluation_score + ' 分'}</td></tr>` : ''}
      <tr><th>问题描述</th><td>${RC.esc(issue.description || '（无）')}</td></tr></table>`;
    renderPhotos(issue);
    renderTimeline(issue);
    $('photo-form').hidden = !(RC.user && !['viewer', 'leader'].includes(RC.user.role));
    $('photo-stage').value = ['reported', 'filed', 'rejected'].includes(issue.status) ? 'before' : 'after';
    renderActions(issue);
    placeCase(issue);
    view.dataset.loaded = `${issue.id}:${issue.steps.length}:${issue.photos.length}`;
  }

  // ---- routing: #/issues/123 is a case, anything else the list ----
  async function route() {
    const match = location.hash.match(/^#\/issues\/(\d+)$/);
    $('list-view').hidden = !!match;
    $('case-view').hidden = !match;
    $(match ? 'case-view' : 'list-view').scrollTop = 0;
    if (match) {
      await showCase(Number(match[1]));
    } else {
      listMap.updateSize();
    }
  }

  // ---- sign-in (the same token as the web map) ----
  function showUser() {
    $('login-form').hidden = !!RC.user;
    $('signed-in').hidden = !RC.user;
    if (RC.user) $('who').textContent = `${RC.user.display_name || RC.user.username}（${RC.user.role_label}）`;
  }

  async function login(e) {
    e.preventDefault();
    try {
      await RC.signIn($('login-user').value, $('login-pass').value);
      $('login-pass').value = '';
      showUser();
      RC.toast('已登录');
      if (!$('case-view').hidden) await showCase(Number($('case-view').dataset.id));
    } catch (err) { RC.toast(err.message, true); }
  }

  async function logout() {
    await RC.signOut();
    showUser();
    if (!$('case-view').hidden) await showCase(Number($('case-view').dataset.id));
  }

  async function checkToken() {
    if (!RC.token) { RC.user = null; return; }
    try { RC.user = await RC.api('/api/auth/me'); } catch (err) {
      RC.token = null; RC.user = null; localStorage.removeItem('roadchief.token'); localStorage.removeItem('roadchief.user');
    }
  }

  async function start() {
    RC.config = await RC.api('/api/webmap/config');
    document.title = `${RC.config.district.name} · 问题台账`;
    document.querySelector('header h1').textContent = `${RC.config.district.name} · 问题台账`;
    await checkToken();
    showUser();
    initListMap();
    $('login-form').addEventListener('submit', login);
    $('logout').addEventListener('click', logout);
    $('filters').addEventListener('submit', e => { e.preventDefault(); page = 1; refresh().catch(err => RC.toast(err.message, true)); });
    $('filters').addEventListener('reset', () => setTimeout(() => { page = 1; refresh().catch(err => RC.toast(err.message, true)); }));
    $('filters').addEventListener('change', () => { page = 1; refresh().catch(err => RC.toast(err.message, true)); });
    $('filters-toggle').addEventListener('click', () => {
      const open = $('list-pane').classList.toggle('filters-open');
      $('filters-toggle').setAttribute('aria-expanded', String(open));
    });
    $('prev-page').addEventListener('click', () => { page -= 1; loadList().catch(err => RC.toast(err.message, true)); });
    $('next-page').addEventListener('click', () => { page += 1; loadList().catch(err => RC.toast(err.message, true)); });
    $('photo-form').addEventListener('submit', uploadPhotos);
    window.addEventListener('hashchange', () => route().catch(err => RC.toast(err.message, true)));
    await fillChoices();
    await refresh();
    await route();
    document.body.dataset.ready = '1';
  }
  window.addEventListener('DOMContentLoaded', () => start().catch(err => RC.toast(err.message, true)));
})(window.RC);
