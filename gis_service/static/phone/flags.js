// 红黑旗: this week's shops along my segments (or in my community), tap red / black / none, score
// 秩序·卫生·立面 (0–100), save. The server checks the jurisdiction and applies the 停业整顿 rule.
window.RC = window.RC || {};
(function (RC) {
  const $ = id => document.getElementById(id);
  const FLAG_LABEL = { red: '红旗', black: '黑旗', none: '无旗' };
  const SCORES = [['order_score', '秩序'], ['hygiene_score', '卫生'], ['facade_score', '立面']];
  let week = null, shops = [], current = null;  // week: the Monday shown (null = this week)

  function shiftWeek(days) {
    const d = new Date((week || current) + 'T00:00:00Z');
    d.setUTCDate(d.getUTCDate() + days);
    return d.toISOString().slice(0, 10);
  }

  async function load() {
    const answer = await RC.api('/api/shop-flags/mine' + (week ? '?week=' + week : ''));
    shops = answer.shops;
    if (!week) current = answer.week;
    week = answer.week;
    $('flags-week-label').textContent = `${answer.week_label}（${answer.week.slice(5)} 起）`;
    $('flags-next').disabled = week >= current;
    const judged = shops.filter(s => s.judged).length;
    const red = shops.filter(s => s.flag === 'red').length, black = shops.filter(s => s.flag === 'black').length;
    $('flags-summary').textContent = shops.length
      ? `共 ${shops.length} 家商户；已评 ${judged} 家：红旗 ${red}，黑旗 ${black}。`
      : '您的路段沿线暂无商户。';
    $('flag-list').innerHTML = shops.map(s => `
      <li class="shop tap" data-shop="${s.id}">
        <div class="main"><b>${RC.esc(s.name)}</b>
          <div class="sub">${RC.esc(s.road_name || '未归属路段')} · ${RC.esc(s.community_name || '')}${s.shop_type ? ' · ' + RC.esc(s.shop_type) : ''}</div></div>
        ${s.suspended ? '<span class="badge suspended">停业整顿</span>' : ''}
        <span class="badge flag-${s.judged ? s.flag : 'unjudged'}">${s.judged ? FLAG_LABEL[s.flag] : '未评'}</span>
      </li>`).join('');
    document.body.dataset.flags = String(shops.length);
  }

  function form(li, shop) {
    const inspector = shop.inspector || (RC.chief ? RC.chief.name : (RC.me && (RC.me.display_name || RC.me.username))) || '';
    const box = document.createElement('div');
    box.className = 'flag-form';
    box.innerHTML = `<div class="flag-pick" role="group" aria-label="评比结果">
        ${['red', 'black', 'none'].map(f => `<button type="button" class="${f}" data-flag="${f}" aria-pressed="${shop.judged && shop.flag === f}">${FLAG_LABEL[f]}</button>`).join('')}
      </div>
      <div class="scores">${SCORES.map(([k, label]) => `<label>${label}<input type="number" inputmode="numeric" min="0" max="100" step="1" data-score="${k}" value="${shop[k] ?? ''}"></label>`).join('')}</div>
      <label>检查人<input data-inspector maxlength="100" value="${RC.esc(inspector)}"></label>
      <button type="button" class="big primary" data-save>保存</button>`;
    li.appendChild(box);
    box.addEventListener('click', e => {
      e.stopPropagation();
      const pick = e.target.closest('[data-flag]');
      if (pick) box.querySelectorAll('[data-flag]').forEach(b => b.setAttribute('aria-pressed', String(b === pick)));
      if (e.target.closest('[data-save]')) save(box, shop).catch(err => RC.toast(err.status ? err.message : '网络不通，未保存', true));
    });
  }

  async function save(box, shop) {
    const picked = box.querySelector('[aria-pressed="true"]');
    if (!picked) { RC.toast('请先选择红旗、黑旗或无旗', true); return; }
    const body = { shop_id: shop.id, week, flag: picked.dataset.flag,
                   inspector: box.querySelector('[data-inspector]').value.trim() || null };
    for (const [k, label] of SCORES) {
      const raw = box.querySelector(`[data-score="${k}"]`).value.trim();
      const value = raw === '' ? null : Number(raw);
      if (value !== null && !(Number.isInteger(value) && value >= 0 && value <= 100)) {
        RC.toast(`${label}得分须为 0 到 100 的整数`, true);
        return;
      }
      body[k] = value;
    }
    box.querySelector('[data-save]').disabled = true;
    try {
      const saved = await RC.api('/api/shop-flags', { method: 'POST', json: body });
      RC.toast(`已保存：${shop.name} ${saved.flag_label}` +
        (saved.suspension ? `；该商户停业整顿（自 ${saved.suspension.since_week} 所在周起）` : ''));
      await load();
    } finally {
      box.querySelector('[data-save]').disabled = false;
    }
  }

  function toggle(li) {
    const open = li.querySelector('.flag-form');
    document.querySelectorAll('#flag-list .flag-form').forEach(f => f.remove());
    if (open) return;
    const shop = shops.find(s => String(s.id) === li.dataset.shop);
    if (shop) form(li, shop);
  }

  RC.flags = {
    open: () => load(),
  };
  $('flag-list').addEventListener('click', e => {
    const li = e.target.closest('[data-shop]');
    if (li && !e.target.closest('.flag-form')) toggle(li);
  });
  $('flags-prev').addEventListener('click', () => { week = shiftWeek(-7); load().catch(err => RC.toast(err.message, true)); });
  $('flags-next').addEventListener('click', () => { week = shiftWeek(7); load().catch(err => RC.toast(err.message, true)); });
})(window.RC);
