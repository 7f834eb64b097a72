// 我的案卷: cases on my segments or for my unit, newest first; a case shows its steps and, when the
// API lists them (`actions`), the steps I may take as buttons, else its status read-only.
window.RC = window.RC || {};
(function (RC) {
  const $ = id => document.getElementById(id);

  async function list() {
    const cases = await RC.api('/api/me/cases');
    $('case-detail').hidden = true;
    $('case-list').hidden = false;
    $('case-list').innerHTML = cases.length ? cases.map(c => `
      <li class="tap" data-case="${c.id}">
        <div class="main"><b>#${c.id} ${RC.esc(c.category_name)}</b>
          <div class="sub">${RC.esc(c.road_name || '未归属路段')} · ${RC.localTime(c.reported_at, true)}</div></div>
        <span class="badge ${c.status === 'closed' ? 'closed' : 'open'}">${RC.esc(c.status_label)}</span>
      </li>`).join('') : '<li>我的路段上暂无案卷</li>';
  }

  async function show(id) {
    const c = await RC.api(`/api/issues/${id}`);
    const steps = (c.steps || []).map(s => `<li>${RC.esc(s.label)} · ${RC.localTime(s.at, true)}` +
      `${s.actor ? ' · ' + RC.esc(s.actor) : ''}${s.note ? '：' + RC.esc(s.note) : ''}</li>`).join('');
    const actions = Array.isArray(c.actions) && c.actions.length
      ? c.actions.map(a => `<button type="button" data-action="${RC.esc(a.action)}">${RC.esc(a.label_zh)}</button>`).join('')
      : `<p>当前状态：<b>${RC.esc(c.status_label)}</b></p>`;
    const photos = (c.photos || []).map(p => `<img src="${RC.esc(p.url)}" alt="现场照片" class="case-photo">`).join('');
    $('case-list').hidden = true;
    const detail = $('case-detail');
    detail.hidden = false;
    detail.innerHTML = `<div class="card"><h2>#${c.id} ${RC.esc(c.category_name)}</h2>
      <p>${RC.esc(c.description || '（无描述）')}</p>
      <p class="sub">${RC.esc(c.road_name || '未归属路段')} · ${RC.esc(c.community_name || '')}</p>
      ${photos}<ol class="steps">${steps}</ol><div class="actions">${actions}</div>
      <button type="button" class="big" id="case-back">返回列表</button></div>`;
    $('case-back').addEventListener('click', list);
    for (const button of detail.querySelectorAll('[data-action]')) {
      button.addEventListener('click', () => act(c.id, button.dataset.action));
    }
  }

  async function act(id, action) {
    try {
      await RC.api(`/api/issues/${id}/actions`, { method: 'POST', json: { action } });
      RC.toast('已办理');
      await show(id);
    } catch (err) {
      RC.toast(err.message, true);
    }
  }

  RC.cases = {
    open: list,
    init() {
      $('case-list').addEventListener('click', e => {
        const li = e.target.closest('[data-case]');
        if (li) show(li.dataset.case).catch(err => RC.toast(err.message, true));
      });
    },
  };
})(window.RC);
