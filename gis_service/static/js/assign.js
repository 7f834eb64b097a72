// Assigning: the selection, an eligible-chief picker, assign / unassign, and the sheet upload.
(function (RC) {
  const $ = id => document.getElementById(id);
  let chosenChief = null;
  let pickerTimer;

  RC.onSelection = function () {
    const n = RC.selected.size;
    $('selection-info').textContent = n ? `已选 ${n} 段路段` + (RC.user ? '' : '（请先登录再指派）') : '未选择路段。';
    $('assign-btn').disabled = !(n && chosenChief && RC.user);
    $('unassign-btn').disabled = !(n && RC.user);
    loadChiefs();
  };

  async function loadChiefs() {
    const first = [...RC.selected][0];
    const tier = $('assign-tier').value;
    const q = $('chief-search').value.trim();
    if (!first) { $('chief-list').innerHTML = ''; return; }
    try {
      const chiefs = await RC.api(`/api/chiefs?segment_id=${first}&tier=${tier}&limit=100&q=${encodeURIComponent(q)}`);
      $('chief-list').innerHTML = chiefs.map(c => `<li data-chief="${c.id}" class="${chosenChief === c.id ? 'chosen' : ''}">
        ${RC.esc(c.name)} ${c.is_party_member ? '<span class="party-badge">党员</span>' : ''}
        <span class="muted">${RC.esc(c.position || '')} · ${RC.tel(c.phone)} · 已负责 ${RC.km(c.assigned_length_m)} 公里</span></li>`).join('')
        || '<li class="muted">没有符合条件的路长</li>';
    } catch (err) { $('chief-list').textContent = err.message; }
  }

  async function afterWrite(result) {
    RC.refreshSegments();
    await RC.loadStats();
    if (RC.currentSegment) RC.showSegment(RC.currentSegment).then(() => RC.showTab('assign'));
    const warnings = result.warnings || [];
    $('assign-result').innerHTML = `<p class="ok">已变更 ${result.changed} 段。</p>` +
      warnings.map(w => `<p class="warn">⚠ ${RC.esc(w)}</p>`).join('');
    RC.toast(`已变更 ${result.changed} 段` + (warnings.length ? '（有提醒）' : ''));
  }

  async function write(chiefId) {
    const body = { segment_ids: [...RC.selected], tier: Number($('assign-tier').value), chief_id: chiefId };
    try {
      await afterWrite(await RC.api('/api/assignments', { method: 'POST', json: body }));
    } catch (err) {
      const holder = err.body && err.body.holder;
      $('assign-result').innerHTML = `<p class="warn">${RC.esc(err.message)}</p>` +
        (holder ? `<p>现任：${RC.esc(holder.name)} ${RC.tel(holder.phone)}</p>` : '');
      RC.toast(err.message, true);
    }
  }

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
      changes.map(c => `<tr><td>${c.row}</td><td>${c.segment_id}</td><td>${c.tier}</td><td>${RC.ACTION_LABEL[c.action]}</td>
        <td>${RC.esc(c.old_chief || '—')}</td><td>${RC.esc(c.new_chief)}</td></tr>`).join('') + '</table>';
  }

  window.addEventListener('DOMContentLoaded', () => {
    $('chief-list').addEventListener('click', e => {
      const li = e.target.closest('li[data-chief]');
      if (!li) return;
      chosenChief = Number(li.dataset.chief);
      $('chief-list').querySelectorAll('li').forEach(x => x.classList.toggle('chosen', x === li));
      $('assign-btn').disabled = !(RC.selected.size && RC.user);
    });
    $('chief-search').addEventListener('input', () => { clearTimeout(pickerTimer); pickerTimer = setTimeout(loadChiefs, 250); });
    $('assign-tier').addEventListener('change', () => { chosenChief = null; RC.onSelection(); });
    $('assign-btn').addEventListener('click', () => chosenChief && write(chosenChief));
    $('unassign-btn').addEventListener('click', () => {
      const tier = $('assign-tier').selectedOptions[0].textContent;
      if (window.confirm(`确定解除所选 ${RC.selected.size} 段路段的${tier}吗？`)) write(null);
    });
    $('clear-selection').addEventListener('click', () => { RC.selected.clear(); RC.selectionChanged(); });
    $('import-dry').addEventListener('click', () => upload(true));
    $('import-apply').addEventListener('click', () => upload(false));
  });
})(window.RC);
