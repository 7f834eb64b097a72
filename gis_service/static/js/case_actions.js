// The case flow's buttons and their small forms, shared by the 台账 page and the phone's 我的案卷:
// one button per entry of the case's `actions` (what the signed-in user may do now); a button
// opens the form its action needs, or posts at once when it needs nothing but a note.
window.RC = window.RC || {};
(function (RC) {
  const REJECT_REASONS = { duplicate: '重复', outside: '非本辖区', not_ours: '非城管职责', invalid: '无效' };
  const EVALUATIONS = ['满意', '基本满意', '不满意'];
  // Actions whose form asks for more than the note; the others post at once.
  const FORMS = {
    dispatch: unitForm, file_and_dispatch: unitForm, reject: rejectForm, request_extension: extensionForm,
    return: reasonForm('回退原因', '如：不属于本单位职责，请重新派遣'),
    hold: reasonForm('挂账原因', '如：需列入明年改造计划，暂不能解决'),
    evaluate: evaluateForm, feedback: feedbackForm,
  };
  const DONE = { file: '已立案', reject: '已不予立案', dispatch: '已派遣', file_and_dispatch: '已立案并派遣',
    accept_task: '已签收', feedback: '已反馈', verify: '核查通过', rework: '已返工', close: '已结案',
    evaluate: '已评价', request_extension: '延期申请已提交', approve_extension: '已批准延期',
    refuse_extension: '已驳回延期', return: '已回退', hold: '已挂账', resume: '已恢复办理' };

  // ---- what every page shows of a case ----
  RC.STAGE_STATE = { overdue: '超期', on_time: '按期', running: '进行中', late_running: '已超期' };

  function stageState(stage) {
    if (stage.done_at) return stage.overdue ? 'overdue' : 'on_time';
    return stage.overdue ? 'late_running' : 'running';
  }

  // The stages (立案/派遣/处置/核查) with their deadlines, time used in working hours and overdue marks.
  RC.stagesTable = function (issue) {
    const stages = issue.stages || [];
    if (!stages.length) return '';
    const hours = h => (h == null ? '—' : String(Math.round(h * 10) / 10));
    const when = t => RC.localTime(t, true).slice(5);  // 12-02 09:30: deadlines are days away, not years
    return `<table class="stages"><thead><tr><th>环节</th><th>时限</th><th>完成</th><th>用时（工作小时）</th><th></th></tr></thead>
      <tbody>${stages.map(s => {
        const state = stageState(s);
        return `<tr class="stage-${state}" data-stage="${RC.esc(s.stage)}"><td>${RC.esc(s.label)}</td>
          <td>${s.due_at ? when(s.due_at) : '—'}</td><td>${s.done_at ? when(s.done_at) : '未完成'}</td>
          <td>${hours(s.used_work_hours)}</td><td><span class="mark ${state}">${RC.STAGE_STATE[state]}</span></td></tr>`;
      }).join('')}</tbody></table>`;
  };

  // A pending extension request, for the dispatcher who approves or refuses it.
  RC.extensionNote = function (issue) {
    if (!issue.extension_due) return '';
    return `<p class="extension">延期申请：至 ${RC.localTime(issue.extension_due, true)}（北京时间）` +
      `${issue.extension_reason ? '，原因：' + RC.esc(issue.extension_reason) : ''}，待派遣员审批</p>`;
  };

  // ---- the forms ----
  function field(label, control) {
    return `<label>${label} ${control}</label>`;
  }

  function noteField(placeholder) {
    return field('办理意见', `<input name="note" placeholder="${placeholder || '可不填'}" maxlength="500">`);
  }

  async function unitForm(issue) {
    const [suggested, units] = await Promise.all([
      RC.api(`/api/issues/${issue.id}/dispatch-suggestions`), RC.api('/api/units?active=true')]);
    const first = suggested[0] ? suggested[0].unit_id : null;
    const seen = new Set(suggested.map(s => s.unit_id));
    const option = (id, name, note) =>
      `<option value="${id}"${id === first ? ' selected' : ''}>${RC.esc(name)}${note ? '（' + RC.esc(note) + '）' : ''}</option>`;
    const picker = `<select name="unit_id" required>
      ${suggested.length ? '<optgroup label="建议单位">' + suggested.map(s =>
        option(s.unit_id, s.unit_name, s.area_name || s.category_name || s.kind_label)).join('') + '</optgroup>' : ''}
      <optgroup label="全部单位">${units.filter(u => !seen.has(u.id)).map(u => option(u.id, u.name)).join('')}</optgroup></select>`;
    return { html: field('处置单位', picker) + noteField(), body: form => ({ unit_id: Number(form.unit_id.value) }) };
  }

  async function rejectForm(issue) {
    const found = await RC.api(`/api/issues/${issue.id}/duplicates`);
    const reasons = Object.entries(REJECT_REASONS).map(([code, label]) =>
      `<option value="${code}">${label}</option>`).join('');
    return {
      html: field('不予立案原因', `<select name="reason">${reasons}</select>`) +
        `<div class="duplicates" data-for="duplicate">${duplicateChoices(found.items, found.radius_m)}</div>` + noteField(),
      setup(form) {
        const showList = () => { form.querySelector('.duplicates').hidden = form.reason.value !== 'duplicate'; };
        form.reason.addEventListener('change', showList);
        showList();
      },
      body(form) {
        if (form.reason.value !== 'duplicate') return { reason: form.reason.value };
        const picked = form.querySelector('input[name=duplicate_of]:checked');
        const other = form.querySelector('input[name=duplicate_other]');
        const original = Number(picked ? picked.value : other.value);
        if (!original) throw new Error('请选择或填写所重复的案卷编号');
        return { reason: 'duplicate', duplicate_of: original };
      },
    };
  }

  function duplicateChoices(items, radius) {
    if (!items.length) return `<p class="muted">${radius} 米内没有同类未结案卷；请填写所重复的案卷编号：</p>` +
      field('案卷编号', '<input name="duplicate_other" type="number" min="1">');
    return `<p class="muted">${radius} 米内同类未结案卷（选择所重复的一件）：</p>` + items.map((d, i) =>
      `<label class="pick"><input type="radio" name="duplicate_of" value="${d.id}"${i === 0 ? ' checked' : ''}>
        #${d.id} ${RC.esc(d.status_label)} · ${Math.round(d.distance_m)} 米 · ${RC.localTime(d.reported_at, true)}
        ${d.description ? '· ' + RC.esc(d.description.slice(0, 30)) : ''}</label>`).join('');
  }

  function extensionForm() {
    return {
      html: `<div class="row extension-kind">
          <label class="pick"><input type="radio" name="kind" value="amount" checked> 延长</label>
          <input name="amount" type="number" min="0.5" max="1000" step="0.5" value="1" aria-label="延长多少">
          <select name="amount_unit" aria-label="单位"><option value="work_day">工作日</option><option value="work_hour">工作小时</option></select></div>
        <div class="row extension-kind"><label class="pick"><input type="radio" name="kind" value="date"> 延至</label>
          <input name="due_at" type="datetime-local" aria-label="新的时限（北京时间）"></div>` +
        field('延期原因', '<input name="reason" required maxlength="500" placeholder="如：需协调产权单位，材料未到">'),
      body(form) {
        const reason = form.reason.value.trim();
        if (form.kind.value === 'date') {
          if (!form.due_at.value) throw new Error('请填写新的时限');
          return { reason, due_at: form.due_at.value + ':00+08:00' };  // typed as Beijing time
        }
        return { reason, amount: Number(form.amount.value), amount_unit: form.amount_unit.value };
      },
    };
  }

  function reasonForm(label, placeholder) {
    return () => ({
      html: field(label, `<input name="reason" required maxlength="500" placeholder="${placeholder}">`),
      body: form => ({ reason: form.reason.value.trim() }),
    });
  }

  function evaluateForm() {
    return {
      html: '<div class="row evaluation">' + EVALUATIONS.map((e, i) =>
        `<label class="pick"><input type="radio" name="evaluation" value="${e}"${i === 0 ? ' checked' : ''}> ${e}</label>`).join('') +
        '</div>' + noteField(),
      body: form => ({ evaluation: form.evaluation.value }),
    };
  }

  function feedbackForm() {
    return {
      html: field('处置后照片', '<input name="photos" type="file" accept="image/*" capture="environment" multiple required>') +
        noteField('处置情况，如：已清运完毕'),
      body: () => ({}),
      // The photos go first, as the case's "after" photos: a feedback is its evidence.
      async before(form, issue) {
        if (!form.photos.files.length) throw new Error('请拍摄或选择处置后照片');
        const upload = new FormData();
        for (const file of form.photos.files) upload.append('photos', file, file.name || 'photo.jpg');
        upload.append('stage', 'after');
        await RC.api(`/api/issues/${issue.id}/photos`, { method: 'POST', body: upload });
      },
    };
  }

  // ---- posting ----
  async function post(issue, action, body) {
    return RC.api(`/api/issues/${issue.id}/actions`, { method: 'POST', json: Object.assign({ action }, body) });
  }

  // 立案 answered 409 with likely duplicates: show them, file anyway (force) or reject as a duplicate.
  function offerDuplicates(box, issue, err, note, done) {
    const panel = box.querySelector('.action-form');
    const items = err.body.duplicates;
    panel.hidden = false;
    panel.dataset.form = 'file-duplicates';
    panel.innerHTML = `<p class="warn">${RC.esc(err.message)}</p>` + items.map((d, i) =>
      `<label class="pick"><input type="radio" name="duplicate_of" value="${d.id}"${i === 0 ? ' checked' : ''}>
        <a href="#/issues/${d.id}" target="_blank" rel="noopener">#${d.id}</a> ${RC.esc(d.status_label)} ·
        ${Math.round(d.distance_m)} 米 · ${RC.localTime(d.reported_at, true)}${d.description ? ' · ' + RC.esc(d.description.slice(0, 30)) : ''}</label>`).join('') +
      `<div class="row"><button type="button" class="action force">仍然立案</button>
        <button type="button" class="action as-duplicate">按重复不予立案</button>
        <button type="button" class="cancel">取消</button></div>`;
    const run = body => async () => {
      try { await done(body.action, await post(issue, body.action, body.fields)); } catch (e) { RC.toast(e.message, true); }
    };
    panel.querySelector('.force').addEventListener('click', run({ action: 'file', fields: { force: true, note } }));
    panel.querySelector('.as-duplicate').addEventListener('click', () => {
      const picked = panel.querySelector('input[name=duplicate_of]:checked');
      return run({ action: 'reject', fields: { reason: 'duplicate', duplicate_of: Number(picked.value), note } })();
    });
    panel.querySelector('.cancel').addEventListener('click', () => { panel.hidden = true; });
  }

  async function openForm(box, issue, action, label, done) {
    const panel = box.querySelector('.action-form');
    const spec = await FORMS[action](issue);
    panel.hidden = false;
    panel.dataset.form = action;
    panel.innerHTML = `<form class="step-form" data-action="${action}"><h4>${RC.esc(label)}</h4>${spec.html}
      <div class="row"><button type="submit" class="action confirm">确认${RC.esc(label)}</button>
      <button type="button" class="cancel">取消</button></div></form>`;
    const form = panel.querySelector('form');
    if (spec.setup) spec.setup(form);
    panel.querySelector('.cancel').addEventListener('click', () => { panel.hidden = true; panel.innerHTML = ''; });
    form.addEventListener('submit', async e => {
      e.preventDefault();
      const button = form.querySelector('button.confirm');
      button.disabled = true;
      try {
        const body = spec.body(form);
        if (form.note && form.note.value.trim()) body.note = form.note.value.trim();
        if (spec.before) await spec.before(form, issue);
        await done(action, await post(issue, action, body));
      } catch (err) {
        RC.toast(err.message, true);
        button.disabled = false;
      }
    });
  }

  async function direct(box, issue, action, done) {
    const noteInput = box.querySelector('input.step-note');
    const note = noteInput && noteInput.value.trim() ? noteInput.value.trim() : null;
    try {
      await done(action, await post(issue, action, { note }));
    } catch (err) {
      if (action === 'file' && err.status === 409 && err.body && err.body.duplicates) {
        offerDuplicates(box, issue, err, note, done);
      } else {
        RC.toast(err.message, true);
      }
    }
  }

  // Fill `box` with the case's buttons; `changed(action, result)` runs after a successful action.
  RC.caseActions = function (box, issue, changed) {
    const actions = issue.actions || [];
    if (!actions.length) {
      box.innerHTML = RC.user || RC.token ? '' : '<p class="muted">登录后可办理本案。</p>';
      return;
    }
    const needsNote = actions.some(a => !FORMS[a.action]);
    box.innerHTML = `<div class="case-buttons">${RC.extensionNote(issue)}
      ${needsNote ? '<label class="note">办理意见 <input class="step-note" placeholder="可不填" maxlength="500"></label>' : ''}
      <div class="row">${actions.map(a =>
        `<button type="button" class="action" data-action="${RC.esc(a.action)}">${RC.esc(a.label_zh)}</button>`).join('')}</div>
      <div class="action-form" hidden></div></div>`;
    const done = async (action, result) => {
      RC.toast(DONE[action] || '已办理');
      await changed(action, result);
    };
    for (const button of box.querySelectorAll('.case-buttons > .row button.action')) {
      const { action } = button.dataset;
      const label = button.textContent;
      button.addEventListener('click', () => {
        const run = FORMS[action] ? openForm(box, issue, action, label, done) : direct(box, issue, action, done);
        Promise.resolve(run).catch(err => RC.toast(err.message, true));
      });
    }
  };
})(window.RC);
