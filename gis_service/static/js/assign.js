// Assigning: the selection, an eligible-chief picker, assign / unassign, and the sheet upload.
(function (RC) {
  const $ = id => document.getElementById(id);
  // The server splits the selection (POST /api/assignments/preview): groups inside the user's
  // jurisdiction, one per area whose chiefs are eligible at the tier, and the segments out of
  // reach. Only the groups' segments are ever sent; each group goes to the chief chosen in it.
  let plan = null;           // the preview of the current selection and tier, or null while loading
  let asked = 0;             // the number of the newest preview asked for: older answers are dropped
  const chosen = new Map();  // area key -> chief id
  let pickerTimer;
  RC.outOfReach = new Set();

  const areaKey = group => `${group.area.kind}:${group.area.id}`;
  const inReach = () => (plan ? plan.groups.flatMap(g => g.segment_ids) : []);

  function readOnly() { return RC.user && RC.user.role === 'viewer'; }

  RC.onSelection = function () {
    plan = null;
    showSelection();
    loadPlan();
  };

  function showSelection() {
    const n = RC.selected.size;
    let info = '未选择路段。';
    if (n && !plan) info = `已选 ${n} 段路段，正在核对…`;
    if (n && plan) {
      const reach = inReach().length, out = plan.out_of_reach.length;
      info = `已选 ${n} 段路段` + (out ? `：可指派 ${reach} 段，${out} 段不在您的管辖范围内（不会提交）` : '') +
        (RC.user ? '' : '（请先登录再指派）');
    }
    $('selection-info').textContent = info;
    const ready = !!(plan && RC.user && inReach().length);
    $('assign-btn').disabled = !(ready && plan.groups.some(g => chosen.has(areaKey(g))));
    $('unassign-btn').disabled = !ready;
  }

  async function loadPlan() {
    const number = ++asked;
    const ids = [...RC.selected];
    if (!ids.length || readOnly()) { showPlan({ groups: [], out_of_reach: [] }); return; }
    const body = { segment_ids: ids, tier: Number($('assign-tier').value), q: $('chief-search').value.trim() || null };
    try {
      const answer = await RC.api('/api/assignments/preview', { method: 'POST', json: body });
      if (number === asked) showPlan(answer);
    } catch (err) {
      if (number === asked) $('chief-list').innerHTML = `<p class="warn">${RC.esc(err.message)}</p>`;
    }
  }

  function showPlan(answer) {
    plan = answer;
    RC.outOfReach = new Set(answer.out_of_reach.map(s => s.segment_id));
    if (RC.selectionStyleChanged) RC.selectionStyleChanged();
    const keys = new Set(answer.groups.map(areaKey));
    [...chosen.keys()].filter(k => !keys.has(k)).forEach(k => chosen.delete(k));
    $('chief-list').innerHTML = answer.groups.map(groupHtml).join('') + outOfReachHtml(answer.out_of_reach);
    showSelection();
  }

  // The phone is plain text here, not a tel: link: a tap on a row picks the chief, never dials.
  function groupHtml(group) {
    const key = areaKey(group);
    const chiefs = group.eligible_chiefs.map(c => `<li data-chief="${c.id}" class="${chosen.get(key) === c.id ? 'chosen' : ''}">
        ${RC.esc(c.name)} ${c.is_party_member ? '<span class="party-badge">党员</span>' : ''}
        <span class="muted">${RC.esc(c.position || '')} · ${RC.esc(c.phone || '')} · 已负责 ${RC.km(c.assigned_length_m)} 公里</span></li>`).join('')
      || '<li class="muted">没有符合条件的路长</li>';
    return `<section class="group" data-area="${RC.esc(group.area.id)}" data-key="${RC.esc(key)}">
      <h4>${RC.esc(group.area.name)} <span class="muted">${group.segment_ids.length} 段 · ${RC.km(group.length_m)} 公里</span></h4>
      <ul class="pick">${chiefs}</ul></section>`;
  }

  function outOfReachHtml(segments) {
    if (!segments.length) return '';
    const byCommunity = {};
    segments.forEach(s => { const name = s.community_name || '（不属于任何社区）'; byCommunity[name] = (byCommunity[name] || 0) + 1; });
    return `<div id="out-of-reach"><h4><span class="swatch out"></span>不在管辖范围内：${segments.length} 段（不会提交）</h4>
      <p class="muted">您无权指派这些路段，指派时不会提交：${Object.entries(byCommunity).map(([name, n]) => `${RC.esc(name)} ${n} 段`).join('，')}</p></div>`;
  }

  async function afterWrite(result) {
    const warnings = result.warnings || [];
    $('assign-result').innerHTML = `<p class="ok">已变更 ${result.changed} 段。</p>` +
      warnings.map(w => `<p class="warn">⚠ ${RC.esc(w)}</p>`).join('');
    RC.toast(`已变更 ${result.changed} 段` + (warnings.length ? '（有提醒）' : ''));
    RC.refreshSegments();
    await RC.loadStats();
    loadPlan();  // the chiefs' loads changed
    if (RC.currentSegment) RC.showSegment(RC.currentSegment).then(() => RC.showTab('assign'));
  }

  // Each group with a chosen chief, or (to unassign) every group: one all-or-nothing request.
  function items(unassign) {
    const tier = Number($('assign-tier').value);
    return plan.groups.filter(g => unassign || chosen.has(areaKey(g))).flatMap(g =>
      g.segment_ids.map(id => ({ segment_id: id, tier, chief_id: unassign ? null : chosen.get(areaKey(g)) })));
  }

  async function write(unassign) {
    if (!plan) return;  // the buttons are disabled until the preview has come back
    $('assign-result').innerHTML = '';
    try {
      const result = await RC.api('/api/assignments', { method: 'POST', json: { items: items(unassign) } });
      await afterWrite(result);
    } catch (err) {
      const holder = err.body && err.body.holder;
      $('assign-result').innerHTML = `<p class="warn">${RC.esc(err.message)}</p>` +
        (holder ? `<p>现任：${RC.esc(holder.name)} ${RC.tel(holder.phone)}</p>` : '');
      RC.toast(err.message, true);
    }
  }

  // Signing out: nothing of the last user's selection, choices or messages stays on screen.
  RC.resetAssign = function () {
    chosen.clear();
    plan = null;
    RC.outOfReach = new Set();
    $('chief-search').value = '';
    $('chief-list').innerHTML = '';
    $('assign-result').innerHTML = '';
    $('import-result').innerHTML = '';
    $('import-file').value = '';
  };

  // ---- the sheet upload ----
  async function upload(dryRun) {
    const file = $('import-file').files[0];
    if (!file) { RC.toast('请先选择文件', true); return; }
    const form = new FormData();
    form.append('file', file);
    form.append('dry_run', dryRun ? 'true' : 'false');
    try {
      const res = await RC.api('/api/assignments/import', { method: 'POST', body: form });
      $('import-result').innerHTML = importHtml(res);
      if (!dryRun) { RC.refreshSegments(); RC.loadStats(); }
    } catch (err) {
      $('import-result').innerHTML = `<p class="warn">${RC.esc(err.message)}</p>` + (err.body && err.body.unmatched ? unmatchedHtml(err.body.unmatched) : '');
    }
  }

  function unmatchedHtml(rows) {
    return '<h3>无法匹配的行</h3><table><tr><th>行</th><th>原因</th></tr>' +
      rows.map(r => `<tr><td>${r.row}</td><td>${RC.esc(r.reason_zh || r.reason)}</td></tr>`).join('') + '</table>';
  }

  function importHtml(res) {
    const changes = res.changes.filter(c => c.action !== 'unchanged');
    return `<p>${res.rows} 行，${res.dry_run ? '将变更' : '已变更'} ${res.would_change} 段，无法匹配 ${res.unmatched.length} 行。</p>` +
      (res.unmatched.length ? unmatchedHtml(res.unmatched) : '') +
      '<h3>变更</h3><table><tr><th>行</th><th>路段</th><th>层级</th><th>操作</th><th>原路长</th><th>新路长</th></tr>' +
      changes.map(c => `<tr><td>${c.row}</td><td>${RC.esc(c.place)} <span class="muted">#${c.segment_id}</span></td><td>${c.tier}</td><td>${RC.ACTION_LABEL[c.action]}</td>
        <td>${RC.esc(c.old_chief || '—')}</td><td>${RC.esc(c.new_chief)}</td></tr>`).join('') + '</table>';
  }

  window.addEventListener('DOMContentLoaded', () => {
    $('chief-list').addEventListener('click', e => {
      const li = e.target.closest('li[data-chief]');
      if (!li) return;
      const group = li.closest('.group');
      chosen.set(group.dataset.key, Number(li.dataset.chief));
      group.querySelectorAll('li').forEach(x => x.classList.toggle('chosen', x === li));
      showSelection();
    });
    $('chief-search').addEventListener('input', () => { clearTimeout(pickerTimer); pickerTimer = setTimeout(loadPlan, 250); });
    $('assign-tier').addEventListener('change', () => { chosen.clear(); RC.onSelection(); });
    $('assign-btn').addEventListener('click', () => write(false));
    $('unassign-btn').addEventListener('click', () => {
      const tier = $('assign-tier').selectedOptions[0].textContent;
      if (window.confirm(`确定解除所选 ${inReach().length} 段路段的${tier}吗？`)) write(true);
    });
    $('clear-selection').addEventListener('click', () => { RC.selected.clear(); RC.selectionChanged(); });
    $('import-dry').addEventListener('click', () => upload(true));
    $('import-apply').addEventListener('click', () => upload(false));
  });
})(window.RC);
