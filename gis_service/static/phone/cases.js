// 我的案卷: cases on my segments or for my unit, newest first; a case shows its stages, photos and
// steps, and the actions I may take now with their small forms (js/case_actions.js, as on the 台账
// page): a unit user 签收, 反馈 with a camera photo, 申请延期 or 回退 from here.
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
        <span class="badge ${['closed', 'rejected'].includes(c.status) ? 'closed' : 'open'}">${RC.esc(c.status_label)}</span>
      </li>`).join('') : '<li>暂无案卷</li>';
    document.body.dataset.cases = String(cases.length);
  }

  function photos(c, stage, title) {
    const shown = (c.photos || []).filter(p => (p.stage === 'after') === (stage === 'after'));
    if (!shown.length) return '';
    return `<div class="case-photos" data-stage="${stage}"><h3>${title}</h3>` +
      shown.map(p => `<img src="${RC.esc(p.url)}" alt="${title}" class="case-photo">`).join('') + '</div>';
  }

  async function show(id) {
    const c = await RC.api(`/api/issues/${id}`);
    const steps = (c.steps || []).map(s => `<li><b>${RC.esc(s.action_label || s.label)}</b> · ${RC.localTime(s.at, true)}` +
      `${s.actor ? ' · ' + RC.esc(s.actor) : ''}${s.role_label ? '（' + RC.esc(s.role_label) + '）' : ''}` +
      `${s.reason ? '：' + RC.esc(s.reason) : ''}${s.note ? '：' + RC.esc(s.note) : ''}</li>`).join('');
    $('case-list').hidden = true;
    const detail = $('case-detail');
    detail.hidden = false;
    detail.innerHTML = `<div class="card"><h2>#${c.id} ${RC.esc(c.category_name)}
        <span class="badge ${['closed', 'rejected'].includes(c.status) ? 'closed' : 'open'}">${RC.esc(c.status_label)}</span>
        ${c.overdue ? '<span class="badge overdue">超期</span>' : ''}</h2>
      <p>${RC.esc(c.description || '（无描述）')}</p>
      <p class="sub">${RC.esc(c.road_name || '未归属路段')} · ${RC.esc(c.community_name || '')}
        ${c.unit_name ? ' · 处置单位：' + RC.esc(c.unit_name) : ''}</p>
      ${RC.stagesTable(c)}
      ${photos(c, 'before', '处置前照片')}${photos(c, 'after', '处置后照片')}
      <ol class="steps">${steps}</ol><div class="actions" id="case-actions"></div>
      <button type="button" class="big" id="case-back">返回列表</button></div>`;
    $('case-back').addEventListener('click', () => list().catch(err => RC.toast(err.message, true)));
    RC.caseActions($('case-actions'), c, () => show(c.id));
    if (!c.actions.length) {
      $('case-actions').innerHTML = `<p>当前状态：<b>${RC.esc(c.status_label)}</b></p>`;
    }
    detail.dataset.loaded = `${c.id}:${c.steps.length}:${c.photos.length}`;
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
