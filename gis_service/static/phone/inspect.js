// 巡检: the construction sites and resettlement points I may inspect, nearest first (or overdue
// first without a position); a target's checklist as big 合格/不合格 buttons with a note for each
// failed item, photos, and save (POST /api/inspections). A failed item opens the target's case.
window.RC = window.RC || {};
(function (RC) {
  const $ = id => document.getElementById(id);
  const KIND = { site: '工地', point: '安置点' };
  // Who gets the tab besides chiefs. The API also lets 监督员 (inspector) enter inspections; their
  // phone keeps its one 上报问题 tab for now (tests/gis_service/test_case_walk_browser.py).
  const TAB_ROLES = ['district_admin', 'sub_district_admin', 'community_admin', 'inspector'];
  let checklists = null, targets = [], filter = 'all', current = null, answers = {}, position = null;

  function here() {
    return new Promise(resolve => {
      if (!navigator.geolocation) return resolve(null);
      navigator.geolocation.getCurrentPosition(p => resolve([p.coords.longitude, p.coords.latitude]),
                                               () => resolve(null), { enableHighAccuracy: true, timeout: 8000, maximumAge: 30000 });
    });
  }

  function distance(m) {
    if (m == null) return '';
    return m >= 1000 ? `${(m / 1000).toFixed(1)} 公里` : `${Math.round(m)} 米`;
  }

  function lastSeen(t) {
    if (!t.last_inspected_at) return '从未检查';
    return `上次 ${RC.localTime(t.last_inspected_at, true)}${t.last_clean ? ' 合格' : ' 不合格'}`;
  }

  async function list() {
    current = null;
    $('inspect-form').hidden = true;
    $('inspect-home').hidden = false;
    $('inspect-summary').textContent = '正在获取位置…';
    position = RC.patrol && RC.patrol.state() ? RC.patrol.state().track.slice(-1)[0] || null : null;
    if (!position) position = await here();
    const query = position ? `?lon=${position[0].toFixed(6)}&lat=${position[1].toFixed(6)}` : '';
    [targets, checklists] = await Promise.all([
      RC.api('/api/me/inspection-targets' + query),
      checklists ? Promise.resolve(checklists) : RC.api('/api/inspection-checklists'),
    ]);
    draw();
  }

  function draw() {
    for (const b of document.querySelectorAll('#inspect-filter button')) b.classList.toggle('active', b.dataset.kind === filter);
    const shown = targets.filter(t => filter === 'all' || t.target_kind === filter);
    const overdue = shown.filter(t => t.status === 'overdue').length;
    const failed = shown.filter(t => t.status === 'failed').length;
    $('inspect-summary').textContent = `${position ? '附近' : '我辖区内'} ${shown.length} 处：逾期未检 ${overdue}，不合格 ${failed}` +
      (position ? '' : '（未获得位置，按逾期排序）');
    $('inspect-targets').innerHTML = shown.map(t => `
      <li class="tap" data-kind="${t.target_kind}" data-id="${t.target_id}">
        <div class="main"><b>${RC.esc(t.name)}</b>
          <div class="sub">${KIND[t.target_kind]} · ${RC.esc(t.community_name || t.sub_district_name || '')}${t.distance_m != null ? ' · ' + distance(t.distance_m) : ''}</div>
          <div class="sub">${lastSeen(t)}${t.demo ? ' · ' + RC.esc(t.flag_label) : ''}</div></div>
        <span class="badge insp-${t.status}">${RC.esc(t.status_label)}</span>
      </li>`).join('') || '<li>附近没有需要检查的工地或安置点</li>';
    document.body.dataset.inspectTargets = String(shown.length);
  }

  function open(kind, id) {
    current = targets.find(t => t.target_kind === kind && t.target_id === id);
    if (!current) return;
    const checklist = checklists.find(c => c.target_kind === kind);
    answers = {};
    $('inspect-home').hidden = true;
    $('inspect-form').hidden = false;
    $('inspect-result').innerHTML = '';
    $('inspect-title').textContent = current.name;
    $('inspect-meta').textContent = `${KIND[kind]} · ${checklist.name} · ${lastSeen(current)} · ${current.status_label}`;
    $('inspect-items').innerHTML = checklist.items.map(item => `
      <li class="check" data-item="${item.id}">
        <div class="check-label"><b>${RC.esc(item.label)}</b><span>${RC.esc(item.hint)}</span></div>
        <div class="check-buttons">
          <button type="button" class="pass" data-answer="pass">合格</button>
          <button type="button" class="fail" data-answer="fail">不合格</button>
        </div>
        <input class="check-note" placeholder="不合格情况说明（如：东侧围挡破损）" maxlength="500" hidden>
      </li>`).join('');
    $('inspect-photo').value = '';
    $('inspect-note').value = '';
    showPhotos();
    progress();
    window.scrollTo(0, 0);
  }

  function answer(event) {
    const button = event.target.closest('button[data-answer]');
    if (!button) return;
    const row = button.closest('li.check');
    const passed = button.dataset.answer === 'pass';
    answers[row.dataset.item] = passed;
    row.classList.toggle('passed', passed);
    row.classList.toggle('failed', !passed);
    row.querySelector('.check-note').hidden = passed;
    if (!passed) row.querySelector('.check-note').focus();
    progress();
  }

  function progress() {
    const rows = document.querySelectorAll('#inspect-items li.check');
    const done = Object.keys(answers).length;
    const failed = Object.values(answers).filter(v => !v).length;
    $('inspect-save').textContent = done < rows.length ? `保存（还有 ${rows.length - done} 项未填）`
      : failed ? `保存：${failed} 项不合格` : '保存：全部合格';
    $('inspect-save').classList.toggle('danger', done === rows.length && failed > 0);
  }

  function showPhotos() {
    const files = $('inspect-photo').files;
    $('inspect-photo-label').textContent = files.length ? `已选 ${files.length} 张照片（点此重选）` : '拍照（可多张）';
  }

  async function save(event) {
    event.preventDefault();
    const rows = [...document.querySelectorAll('#inspect-items li.check')];
    const missing = rows.filter(r => !(r.dataset.item in answers));
    if (missing.length) {
      RC.toast(`请填写：${missing.map(r => r.querySelector('b').textContent).join('、')}`, true);
      missing[0].scrollIntoView({ block: 'center' });
      return;
    }
    const results = rows.map(r => ({ item_id: Number(r.dataset.item), passed: answers[r.dataset.item],
                                     note: answers[r.dataset.item] ? '' : r.querySelector('.check-note').value }));
    const form = new FormData();
    form.append('target_kind', current.target_kind);
    form.append('target_id', current.target_id);
    form.append('results', JSON.stringify(results));
    form.append('note', $('inspect-note').value);
    form.append('source', 'phone');
    const who = RC.chief ? RC.chief.name : RC.me && (RC.me.display_name || RC.me.username);
    if (who) form.append('inspector', who);
    for (const file of $('inspect-photo').files) form.append('photos', file, file.name || 'photo.jpg');
    $('inspect-save').disabled = true;
    try {
      const saved = await RC.api('/api/inspections', { method: 'POST', body: form });
      const failed = saved.results.filter(r => !r.passed).length;
      const message = saved.clean ? '已保存：全部合格' : `已保存：${failed} 项不合格` +
        (saved.issue_id ? `，已立案（第 ${saved.issue_id} 号问题）` : '');
      const flag = saved.target.demo ? `；${RC.esc(saved.target.flag_label)}` : '';
      RC.toast(message);
      await list();
      window.scrollTo(0, 0);
      $('inspect-summary').insertAdjacentHTML('beforebegin',
        `<p class="${saved.clean ? 'ok' : 'error'}" id="inspect-saved">${RC.esc(saved.target_name)}：${message}${flag}</p>`);
    } catch (err) {
      $('inspect-result').innerHTML = `<p class="error">${RC.esc(err.status ? err.message : '网络不通，未保存：请稍后再试')}</p>`;
    } finally {
      $('inspect-save').disabled = false;
    }
  }

  RC.inspect = {
    allowed(me) { return !!me.chief || TAB_ROLES.includes(me.role); },
    open() { const saved = $('inspect-saved'); if (saved) saved.remove(); return list(); },
    init() {
      $('inspect-filter').addEventListener('click', e => { if (e.target.dataset.kind) { filter = e.target.dataset.kind; draw(); } });
      $('inspect-targets').addEventListener('click', e => {
        const li = e.target.closest('li[data-id]');
        if (li) open(li.dataset.kind, Number(li.dataset.id));
      });
      $('inspect-items').addEventListener('click', answer);
      $('inspect-photo').addEventListener('change', showPhotos);
      $('inspect-back').addEventListener('click', () => list().catch(err => RC.toast(err.message, true)));
      $('inspect-form').addEventListener('submit', save);
    },
  };
})(window.RC);
