// A small map for the phone without tiles: my segments coloured by today's patrol status, the live
// track and where I am, fitted into an SVG (a few KB instead of a map library on a slow connection).
window.RC = window.RC || {};
(function (RC) {
  const NS = 'http://www.w3.org/2000/svg';

  function lines(features) {
    const out = [];
    for (const f of (features || [])) {
      const g = f.geometry;
      if (!g) continue;
      const parts = g.type === 'MultiLineString' ? g.coordinates : [g.coordinates];
      for (const coords of parts) out.push({ coords, feature: f });
    }
    return out;
  }

  function bounds(points) {
    let [w, s, e, n] = [Infinity, Infinity, -Infinity, -Infinity];
    for (const [x, y] of points) { w = Math.min(w, x); e = Math.max(e, x); s = Math.min(s, y); n = Math.max(n, y); }
    return [w, s, e, n];
  }

  function el(name, attrs) {
    const node = document.createElementNS(NS, name);
    for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
    return node;
  }

  // options: {segments: GeoJSON FeatureCollection, route: [[lon, lat]] (a suggested walk),
  //           track: [[lon, lat]], me: [lon, lat]}
  RC.drawMap = function (svg, options) {
    const width = svg.clientWidth || 360, height = svg.clientHeight || 300, pad = 18;
    svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
    while (svg.firstChild) svg.removeChild(svg.firstChild);
    const segs = lines(options.segments && options.segments.features);
    const all = segs.flatMap(l => l.coords).concat(options.route || []).concat(options.track || [])
      .concat(options.me ? [options.me] : []);
    if (!all.length) {
      const t = el('text', { x: width / 2, y: height / 2, 'text-anchor': 'middle', class: 'label' });
      t.textContent = '暂无路段';
      svg.appendChild(t);
      return;
    }
    let [w, s, e, n] = bounds(all);
    const k = Math.cos((s + n) / 2 * Math.PI / 180);
    const span = Math.max((e - w) * k, n - s, 0.002);  // at least about 200 m across
    const scale = Math.min(width - 2 * pad, height - 2 * pad) / span;
    const cx = (w + e) / 2, cy = (s + n) / 2;
    const project = ([x, y]) => [width / 2 + (x - cx) * k * scale, height / 2 - (y - cy) * scale];
    const path = coords => coords.map(project).map(([x, y], i) => (i ? 'L' : 'M') + x.toFixed(1) + ' ' + y.toFixed(1)).join('');
    if (options.route && options.route.length > 1) svg.appendChild(el('path', { d: path(options.route), class: 'route' }));
    for (const { coords, feature } of segs) {
      const p = el('path', { d: path(coords), class: 'seg ' + (feature.properties.today || 'not_due') });
      p.dataset.segment = feature.id;
      svg.appendChild(p);
    }
    if (options.track && options.track.length > 1) svg.appendChild(el('path', { d: path(options.track), class: 'track' }));
    if (options.me) {
      const [x, y] = project(options.me);
      svg.appendChild(el('circle', { cx: x, cy: y, r: 8, class: 'me' }));
    }
  };
})(window.RC);
