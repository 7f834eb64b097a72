// The 定期报告 menu of the 台账 page: the reports written (GET /api/reports) with their downloads,
// and for a district admin or a leader a form to write one now (POST /api/reports).
(function (RC) {
  const $ = id => document.getElementById(id);
  const WRITERS = ['district_admin', 'leader'];

  function item(report) {
    const by = report.written_by === 'scheduler' ? '自动生成' : RC.esc(report.written_by) + ' 生成';
    return `<li><b>${RC.esc(report.kind_label)}</b> ${RC.esc(report.period_label)}
      <a href="${RC.esc(report.pdf_url)}" download>PDF</a> <a href="${RC.esc(report.xlsx_url)}" download>Excel</a>
      <div class="muted">${by} · ${RC.localTime(report.written_at, true)} · ${report.pages} 页</div></li>`;
  }

  async function load() {
    $('report-form').hidden = !(RC.user && WRITERS.includes(RC.user.role));
    const list = $('report-list');
    try {
      const result = await RC.api('/api/reports');
      list.innerHTML = result.reports.length ? result.reports.map(item).join('')
        : '<li class="muted">尚无报告：日报每天 7:30、周报每周一 8:00、旬报每月 1、11、21 日 8:00 自动生成。</li>';
    } catch (err) {
      list.innerHTML = `<li class="muted">${RC.esc(err.message)}</li>`;
    }
  }

  $('reports-menu').addEventListener('toggle', () => { if ($('reports-menu').open) load(); });
  $('report-form').addEventListener('submit', async event => {
    event.preventDefault();
    const body = { kind: $('report-kind').value };
    if ($('report-date').value) body.date = $('report-date').value;
    const button = event.submitter;
    button.disabled = true;
    button.textContent = '生成中…';
    try {
      const report = await RC.api('/api/reports', { method: 'POST', json: body });
      RC.toast(`已生成${report.kind_label}：${report.period_label}`);
      await load();
    } catch (err) {
      RC.toast(err.message, true);
    } finally {
      button.disabled = false;
      button.textContent = '立即生成';
    }
  });
})(window.RC);
