// The chief tree: district → sub-district → community (loaded at once) → road → segment (loaded
// when a community is opened), each with its chiefs, party badge, position, tel: link and patrol rate.
(function (RC) {
  const LOW_RATE = 0.6;

  function chiefs(list) {
    if (!list || !list.length) return '<p class="muted">（暂无）</p>';
    return '<ul class="chiefs">' + list.map(c => `<li>
      <span class="title">${RC.esc(c.title)}</span><b>${RC.esc(c.name)}</b>
      ${c.party_member ? '<span class="party">党员</span>' : ''}
      <span class="muted">${RC.esc([c.organisation, c.position].filter(Boolean).join(' '))}</span>
      ${RC.tel(c.phone)}${rate(c)}
    </li>`).join('') + '</ul>';
  }

  // Nothing due in the window: a backing party member holds no segment; a general chief's half
  // month does not fit in a week, so theirs is shown over their last period.
  function rate(c) {
    const low = share => share != null && share < LOW_RATE ? ' low' : '';
    if (c.patrols_due) return `<span class="rate${low(c.patrol_rate)}">巡查率 ${RC.pct(c.patrol_rate)}（${c.patrols_done}/${c.patrols_due}）</span>`;
    if (c.recent && c.recent.due) return `<span class="rate${low(c.recent.rate)}">近${c.recent.days}天巡查 ${c.recent.done}/${c.recent.due}</span>`;
    return '';
  }

  function node(n, open) {
    const count = n.level === 'segment' ? `${Math.round(n.length_m)} 米` : `${n.segments} 段 · ${n.km.toFixed(1)} 公里`;
    if (n.level === 'segment') return `<div class="segment"><b>${RC.esc(n.name)}</b> <span class="muted">${count}</span>${chiefs(n.chiefs)}</div>`;
    const children = (n.children || []).map(c => node(c, false)).join('');
    const lazy = n.level === 'community' && !n.children ? ` data-community="${n.id}"` : '';
    return `<details${open ? ' open' : ''}${lazy} data-level="${n.level}" data-id="${n.id}"><summary>${RC.esc(n.name)}<span class="count">${count}</span></summary>
      ${chiefs(n.chiefs)}${children}</details>`;
  }

  async function openCommunity(details) {
    const id = details.dataset.community;
    delete details.dataset.community;
    const tree = await RC.api(`/api/chief-tree?community=${id}`);
    const community = tree.children[0].children[0];
    details.insertAdjacentHTML('beforeend', (community.children || []).map(r => node(r, false)).join('') || '<p class="muted">无道路</p>');
  }

  async function start() {
    const tree = await RC.api('/api/chief-tree?depth=community');
    document.getElementById('tree-window').textContent = '统计期：' + tree.window.label;
    const box = document.getElementById('tree');
    box.innerHTML = node(tree, true);
    box.addEventListener('toggle', e => {
      if (e.target.open && e.target.dataset.community) openCommunity(e.target).catch(err => RC.toast(err.message, true));
    }, true);
    document.body.dataset.ready = '1';
  }

  start().catch(err => { document.getElementById('tree').textContent = err.message; });
})(window.RC);
