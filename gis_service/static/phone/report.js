// 上报问题: a photo from the camera, the current position snapped as intake will snap it, a coded
// category (major task → sub-item) and a description, into the ledger by POST /api/issues.
window.RC = window.RC || {};
(function (RC) {
  const $ = id => document.getElementById(id);
  let categories = null, position = null, preview = null;

  async function loadCategories() {
    if (categories) return;
    categories = await RC.api('/api/issue-categories');
    const tasks = categories.filter(c => !c.parent_code);
    $('report-task').innerHTML = '<option value="">请选择大类</option>' +
      tasks.map(t => `<option value="${RC.esc(t.code)}">${RC.esc(t.code)} ${RC.esc(t.name)}</option>`).join('');
    fillSubItems();
  }

  function fillSubItems() {
    const task = $('report-task').value;
    const items = (categories || []).filter(c => c.parent_code && c.parent_code === task);
    $('report-category').innerHTML = '<option value="">' + (task ? '请选择小类' : '先选择大类') + '</option>' +
      items.map(c => `<option value="${RC.esc(c.code)}">${RC.esc(c.code)} ${RC.esc(c.name)}</option>`).join('');
  }

  async function locate() {
    const place = $('report-place');
    const last = RC.patrol.state() && RC.patrol.state().track.slice(-1)[0];
    if (last) return snap(last);
    if (!navigator.geolocation) { place.textContent = '此浏览器不支持定位'; return; }
    place.textContent = '正在获取位置…';
    navigator.geolocation.getCurrentPosition(p => snap([p.coords.longitude, p.coords.latitude]),
      () => { place.textContent = '无法获取位置：请允许定位（须使用 HTTPS 访问）'; place.className = 'place far'; },
      { enableHighAccuracy: true, timeout: 20000, maximumAge: 10000 });
  }

  async function snap(here) {
    position = here;
    const place = $('report-place');
    const at = `${here[0].toFixed(5)}, ${here[1].toFixed(5)}`;
    try {
      const s = await RC.api(`/api/snap?lon=${here[0]}&lat=${here[1]}`);
      place.className = s.segment_id ? 'place' : 'place far';
      place.textContent = s.segment_id
        ? `当前位置：${s.road_name}（${s.community_name || '—'}），路段 #${s.segment_id}，距路 ${Math.round(s.distance_m)} 米`
        : `当前位置 ${at}：${s.max_distance_m} 米内没有路段，问题将不归属路段`;
      place.dataset.segment = s.segment_id || '';
    } catch (err) {
      place.className = 'place far';
      place.textContent = `当前位置 ${at}（离线，上报时再匹配路段）`;
    }
  }

  function showPhoto() {
    const file = $('report-photo').files[0];
    if (preview) URL.revokeObjectURL(preview);
    preview = file ? URL.createObjectURL(file) : null;
    $('photo-preview').hidden = !file;
    if (file) $('photo-preview').src = preview;
    $('photo-label').textContent = file ? '重新拍照' : '拍照（必填）';
  }

  async function submit(event) {
    event.preventDefault();
    const file = $('report-photo').files[0];
    const result = $('report-result');
    if (!file) { RC.toast('请先拍照', true); return; }
    if (!position) { RC.toast('尚未获得位置', true); return; }
    if (!$('report-category').value) { RC.toast('请选择问题小类', true); return; }
    const form = new FormData();
    form.append('lon', position[0]);
    form.append('lat', position[1]);
    form.append('category', $('report-category').value);
    form.append('description', $('report-description').value);
    // A chief's report comes from the patrol; anyone else reporting here is a 数字城管 inspector.
    form.append('source', RC.chief ? 'patrol' : 'dcm');
    const reporter = RC.chief ? RC.chief.name : RC.me && (RC.me.display_name || RC.me.username);
    if (reporter) form.append('reporter', reporter);
    form.append('photos', file, file.name || 'photo.jpg');
    $('report-submit').disabled = true;
    try {
      const issue = await RC.api('/api/issues', { method: 'POST', body: form });
      result.innerHTML = `<p class="ok">已上报：第 ${issue.id} 号问题（${RC.esc(issue.category_name)}），` +
        `${issue.road_name ? '归属 ' + RC.esc(issue.road_name) : '未归属路段'}。</p>`;
      $('report-form').reset();
      showPhoto();
      fillSubItems();
      RC.toast('问题已上报');
    } catch (err) {
      result.innerHTML = `<p class="error">${RC.esc(err.status ? err.message : '网络不通，未上报：请稍后再试')}</p>`;
    } finally {
      $('report-submit').disabled = false;
    }
  }

  RC.report = {
    async open() { await loadCategories(); locate(); },
    init() {
      $('report-task').addEventListener('change', fillSubItems);
      $('report-photo').addEventListener('change', showPhoto);
      $('report-form').addEventListener('submit', submit);
    },
  };
})(window.RC);
