// 以克论净: weigh the dust on a segment — my segment (picked from my list or snapped from where I
// stand), the surface and the grams per square metre — saved by POST /api/dust/samples. The server
// applies the limit and, over it, opens the segment's case (or adds the sample to its open one).
window.RC = window.RC || {};
(function (RC) {
  const $ = id => document.getElementById(id);
  let mine = null, snapped = null;

  async function loadMine() {
    if (mine || !RC.chief) return;
    const segments = await RC.api('/api/me/segments');
    mine = segments.features.map(f => ({ id: f.id, label: `${f.properties.road_name} #${f.id}（${f.properties.community_name || '—'}）` }));
  }

  function fillSegments() {
    const options = ['<option value="">按当前位置匹配路段</option>'];
    if (snapped && snapped.segment_id) {
      options.push(`<option value="${snapped.segment_id}">当前位置：${RC.esc(snapped.road_name)} #${snapped.segment_id}</option>`);
    }
    for (const s of mine || []) options.push(`<option value="${s.id}">${RC.esc(s.label)}</option>`);
    const keep = $('dust-segment').value;
    $('dust-segment').innerHTML = options.join('');
    if (keep) $('dust-segment').value = keep;
    else if (snapped && snapped.segment_id) $('dust-segment').value = String(snapped.segment_id);
  }

  function locate() {
    const place = $('dust-place');
    const last = RC.patrol && RC.patrol.state() && RC.patrol.state().track.slice(-1)[0];
    if (last) return snap(last);
    if (!navigator.geolocation) { place.textContent = '此浏览器不支持定位，请从列表选择路段'; return; }
    place.textContent = '正在获取位置…';
    navigator.geolocation.getCurrentPosition(p => snap([p.coords.longitude, p.coords.latitude]),
      () => { place.textContent = '无法获取位置：请从列表选择路段'; place.className = 'place far'; },
      { enableHighAccuracy: true, timeout: 20000, maximumAge: 10000 });
  }

  async function snap(here) {
    const place = $('dust-place');
    try {
      snapped = Object.assign(await RC.api(`/api/snap?lon=${here[0]}&lat=${here[1]}`), { here });
      place.className = snapped.segment_id ? 'place' : 'place far';
      place.textContent = snapped.segment_id
        ? `当前位置：${snapped.road_name}（${snapped.community_name || '—'}），路段 #${snapped.segment_id}`
        : `附近 ${snapped.max_distance_m} 米内没有路段，请从列表选择`;
    } catch (err) {
      snapped = { here };
      place.className = 'place far';
      place.textContent = '离线：请联网后再保存';
    }
    fillSegments();
  }

  async function recent(segmentId) {
    const list = $('dust-recent');
    if (!segmentId) { list.innerHTML = ''; return; }
    const samples = await RC.api(`/api/dust/samples?segment_id=${segmentId}&limit=5`);
    list.innerHTML = samples.map(s => `<li><div class="main"><b>${s.grams_per_m2} 克/平方米</b> · ${RC.esc(s.surface_label)}
      <div class="sub">${RC.esc(s.sampled_at.slice(0, 16).replace('T', ' '))} · 限值 ${s.limit_g_m2} · ${RC.esc(s.sampler)}</div></div>
      <span class="badge ${s.over_limit ? 'due' : 'done'}">${s.verdict}</span></li>`).join('')
      || '<li>该路段暂无检测记录</li>';
  }

  async function submit(event) {
    event.preventDefault();
    const result = $('dust-result');
    const grams = parseFloat($('dust-grams').value);
    if (!(grams > 0)) { RC.toast('请填写积尘量（大于 0 的克数）', true); return; }
    const body = { surface: $('dust-surface').value, grams_per_m2: grams };
    const segment = $('dust-segment').value;
    if (segment) body.segment_id = Number(segment);
    if (snapped && snapped.here) { body.lon = snapped.here[0]; body.lat = snapped.here[1]; }
    if (!body.segment_id && !body.lon) { RC.toast('请选择路段或允许定位', true); return; }
    if ($('dust-sampler').value.trim()) body.sampler = $('dust-sampler').value.trim();
    $('dust-submit').disabled = true;
    try {
      const s = await RC.api('/api/dust/samples', { method: 'POST', json: body });
      result.innerHTML = s.over_limit
        ? `<p class="error">超标：${RC.esc(s.road_name)} ${s.grams_per_m2} 克/平方米，限值 ${s.limit_g_m2}；` +
          `已记入第 ${s.issue_id} 号案卷（${RC.esc(s.issue_status_label || '')}）。</p>`
        : `<p class="ok">达标：${RC.esc(s.road_name)} ${s.grams_per_m2} 克/平方米，限值 ${s.limit_g_m2}。</p>`;
      $('dust-grams').value = '';
      RC.toast('检测已保存');
      recent(s.segment_id).catch(() => {});
    } catch (err) {
      result.innerHTML = `<p class="error">${RC.esc(err.status ? err.message : '网络不通，未保存：请稍后再试')}</p>`;
    } finally {
      $('dust-submit').disabled = false;
    }
  }

  RC.dust = {
    async open() { await loadMine(); fillSegments(); locate(); },
    init() {
      $('dust-form').addEventListener('submit', submit);
      $('dust-segment').addEventListener('change', () => recent($('dust-segment').value).catch(() => {}));
    },
  };
})(window.RC);
