// The map: our own vector tiles (segments coloured by coverage, context layers), selection.
(function (RC) {
  const COLORS = { party: '#d7191c', other: '#2b83ba', none: '#8c8c8c', all: '#1a9641', some: '#f39c12',
                   partyMark: '#ffd700', selected: '#00e5ff', outOfReach: '#c51162' };
  // Context layers in colours no coverage view uses (red, blue, grey, green, orange, gold, cyan).
  const CONTEXT = { siteFill: 'rgba(141, 110, 99, 0.35)', siteLine: '#5d4037', resettlement: '#6a1b9a',
                    issue: '#263238', dustPass: '#80cdc1', dustOver: '#8e0152', shopRed: '#d32f2f',
                    shopBlack: '#212121', shopNone: '#9e9e9e', shopSuspended: '#ff6f00' };
  // Sites and points by their inspection status (roadchief.inspection_status): [solid, fill].
  // Apart from the coverage colours, as in layers/styles/coverage.json.
  const INSPECTION = { clean: ['#80cbc4', 'rgba(128, 203, 196, 0.55)', '检查合格'],
                       failed: ['#c2185b', 'rgba(194, 24, 91, 0.5)', '检查不合格'],
                       overdue: ['#fb8c00', 'rgba(251, 140, 0, 0.5)', '逾期未检'],
                       demo: ['#004d40', 'rgba(0, 77, 64, 0.55)', '示范（连续合格）'],
                       not_due: ['#bdbdbd', CONTEXT.siteFill, '无需检查（已完工）'] };
  const WIDTH = { '主干道': 5, '次干道': 4, '支路': 3, '街巷': 2 };
  RC.view = '3';
  RC.selected = new Set();
  RC.tileVersion = 0;
  const styleCache = {};

  function cached(key, make) { return styleCache[key] || (styleCache[key] = make()); }

  function line(color, width, dash) {
    return new ol.style.Style({ stroke: new ol.style.Stroke({ color, width, lineDash: dash, lineCap: 'round' }) });
  }

  function segmentKind(f) {
    if (RC.view === 'all') {
      const n = f.get('tiers_covered');
      return n === 3 ? 'all' : n > 0 ? 'some' : 'none';
    }
    // the party flag, not the chief id: a city's low-zoom tiles merge lines by colour without ids
    if (f.get('tier' + RC.view + '_party') == null) return 'none';
    return f.get('tier' + RC.view + '_party') ? 'party' : 'other';
  }

  function segmentStyle(f) {
    const kind = segmentKind(f);
    const width = WIDTH[f.get('road_class')] || 2;
    const partyMark = RC.view === 'all' && f.get('tier3_party');
    const key = [kind, width, partyMark].join('|');
    return cached(key, () => {
      const styles = [];
      styles.push(line(COLORS[kind], width, kind === 'none' ? [6, 5] : undefined));
      if (partyMark) styles.push(line(COLORS.partyMark, Math.max(1, width / 3)));
      return styles;
    });
  }

  function legend() {
    const items = RC.view === 'all'
      ? [[COLORS.all, '三级路长全覆盖'], [COLORS.some, '部分覆盖'], [COLORS.none, '无路长', 'dashed'],
         [COLORS.partyMark, '三级路长为党员（金色中线）']]
      : [[COLORS.party, RC.TIER_LABEL[RC.view] + '：党员'], [COLORS.other, RC.TIER_LABEL[RC.view] + '：非党员'],
         [COLORS.none, '未覆盖（无' + RC.TIER_LABEL[RC.view] + '）', 'dashed']];
    items.push([COLORS.selected, '已选路段'], [COLORS.outOfReach, '已选但不在管辖范围内', 'dashed']);
    const visible = name => layers[name] && layers[name].getVisible();
    if (visible('construction_sites')) {
      items.push([CONTEXT.siteLine, '施工工地（按检查状态着色）', 'fill'], [CONTEXT.siteLine, '绿色施工示范工地（虚线框）', 'fill dashed']);
    }
    if (visible('resettlement_points')) items.push([CONTEXT.resettlement, '群众临时安置点（三角，按检查状态着色）', 'triangle']);
    if (visible('construction_sites') || visible('resettlement_points')) {
      for (const status of ['clean', 'failed', 'overdue', 'demo']) items.push([INSPECTION[status][0], INSPECTION[status][2], 'fill']);
    }
    if (visible('shops')) {
      items.push([CONTEXT.shopRed, '本周红旗商户', 'dot'], [CONTEXT.shopBlack, '本周黑旗商户', 'dot'],
                 [CONTEXT.shopNone, '本周未评/无旗商户', 'dot'], [CONTEXT.shopSuspended, '停业整顿（橙色外圈）', 'dot']);
    }
    if (visible('issues')) items.push([CONTEXT.issue, '问题（数字为附近问题数）', 'dot']);
    if (visible('dust')) items.push([CONTEXT.dustPass, '积尘达标（最近一次检测）'], [CONTEXT.dustOver, '积尘超标（最近一次检测）']);
    document.getElementById('legend').innerHTML = '<b>图例</b>' + items.map(([color, label, kind]) =>
      `<div class="item"><span class="swatch ${kind || 'line'}" style="--c:${color}"></span>${label}</div>`).join('');
  }

  function tileLayer(name, style, options = {}, sourceOptions = {}) {
    const source = new ol.source.VectorTile(Object.assign({
      format: new ol.format.MVT(),
      url: `/tiles/${name}/{z}/{x}/{y}.mvt`,
      maxZoom: 18,
    }, sourceOptions));
    return new ol.layer.VectorTile(Object.assign({ source, style, properties: { name } }, options));
  }

  const labelStyle = (text, size) => new ol.style.Text({
    text, font: `${size > 14 ? 'bold ' : ''}${size}px "Noto Sans CJK SC", "WenQuanYi Micro Hei", sans-serif`,
    fill: new ol.style.Fill({ color: '#444' }), stroke: new ol.style.Stroke({ color: '#fff', width: 3 }),
    overflow: true,
  });

  const ROAD_LABELS_FROM = 14;  // the tile layer's minzoom (layers/registry.py)
  const ROAD_LABEL_SIZE = { '主干道': 14, '次干道': 13 };

  function roadLabelStyle(f) {
    const size = ROAD_LABEL_SIZE[f.get('road_class')] || 12;
    return cached('label|' + f.get('road_name') + '|' + size, () => new ol.style.Style({
      text: new ol.style.Text({
        // Beside the line (baseline on the far side of the text), so the name never hides the
        // coverage colour drawn under it.
        text: f.get('road_name'), placement: 'line', overflow: false, maxAngle: Math.PI / 5,
        textBaseline: 'bottom', offsetY: -Math.ceil(WIDTH[f.get('road_class')] / 2 || 1),
        font: `${size}px "Noto Sans CJK SC", "WenQuanYi Micro Hei", sans-serif`,
        fill: new ol.style.Fill({ color: '#222' }), stroke: new ol.style.Stroke({ color: '#fff', width: 3 }),
      }),
    }));
  }

  // An issue, or a cluster of them below zoom 15 with its count written inside.
  function issueStyle(f) {
    const count = f.get('count') || 1;
    return cached('issue|' + count, () => new ol.style.Style({
      image: new ol.style.Circle({ radius: count > 1 ? Math.min(16, 7 + Math.sqrt(count)) : 5,
                                   fill: new ol.style.Fill({ color: CONTEXT.issue }),
                                   stroke: new ol.style.Stroke({ color: '#fff', width: 1.5 }) }),
      text: count > 1 ? new ol.style.Text({ text: String(count), font: 'bold 11px sans-serif',
                                            fill: new ol.style.Fill({ color: '#fff' }) }) : undefined,
    }));
  }

  const layers = {
    communities: tileLayer('communities', (f, resolution) => new ol.style.Style({
      fill: new ol.style.Fill({ color: 'rgba(236, 232, 220, 0.55)' }),
      stroke: new ol.style.Stroke({ color: '#b0a58f', width: 1 }),
    })),
    sub_districts: tileLayer('sub_districts', f => new ol.style.Style({
      stroke: new ol.style.Stroke({ color: '#6d4c41', width: 2.5, lineDash: [10, 6] }),
    })),
    construction_sites: tileLayer('construction_sites', f => {
      const status = f.get('inspection_status') || 'not_due';
      return cached('site|' + status + '|' + !!f.get('is_green_demo'), () => new ol.style.Style({
        fill: new ol.style.Fill({ color: INSPECTION[status][1] }),
        stroke: new ol.style.Stroke({ color: CONTEXT.siteLine, width: 1.5,
                                      lineDash: f.get('is_green_demo') ? [5, 3] : undefined }),
      }));
    }, { visible: false }),
    resettlement_points: tileLayer('resettlement_points', f => {
      const status = f.get('inspection_status') || 'not_due';
      return cached('resettlement|' + status, () => new ol.style.Style({
        image: new ol.style.RegularShape({ points: 3, radius: status === 'demo' ? 10 : 8,
                                           fill: new ol.style.Fill({ color: INSPECTION[status][0] }),
                                           stroke: new ol.style.Stroke({ color: CONTEXT.resettlement, width: 2 }) }),
      }));
    }, { visible: false }),
    // Shops by this week's flag; a shop under 停业整顿 gets an orange ring.
    shops: tileLayer('shops', f => cached('shop|' + f.get('flag') + '|' + !!f.get('suspended'), () =>
      new ol.style.Style({
        image: new ol.style.Circle({
          radius: f.get('suspended') ? 6 : 5,
          fill: new ol.style.Fill({ color: { red: CONTEXT.shopRed, black: CONTEXT.shopBlack }[f.get('flag')] || CONTEXT.shopNone }),
          stroke: new ol.style.Stroke({ color: f.get('suspended') ? CONTEXT.shopSuspended : '#fff',
                                        width: f.get('suspended') ? 3 : 1.5 }),
        }),
      })), { visible: false, minZoom: 12 }, { minZoom: 12 }),
    issues: tileLayer('issues', issueStyle, { visible: false }),
    // 以克论净: sampled segments by their latest weighing against its limit (layers/dust.sql).
    dust: tileLayer('dust', f => cached('dust|' + f.get('status') + '|' + f.get('road_class'), () =>
      line(f.get('status') === '超标' ? CONTEXT.dustOver : CONTEXT.dustPass, (WIDTH[f.get('road_class')] || 2) + 4)),
    { visible: false }),
    segments: tileLayer('segments', segmentStyle, { renderBuffer: 20 }),
    // One line per road and tile (the road_labels layer), so a road is named once, not per
    // segment; a name that does not fit along its line is left out (overflow false).
    road_labels: tileLayer('road_labels', roadLabelStyle, { declutter: true, minZoom: 14 },
                           { minZoom: ROAD_LABELS_FROM }),
  };
  RC.layers = layers;

  // The selection is a layer of its own, drawn under the segments from the segments' own
  // geometries (GET /api/segments?ids=), so it shows at every zoom whatever the tiles at that
  // zoom hold (a lane thinned out, a line clipped at a tile's edge). Out of reach: dashed magenta.
  const selectionShapes = new Map();  // segment id -> ol.Feature in EPSG:3857
  const geojson = new ol.format.GeoJSON({ featureProjection: 'EPSG:3857' });
  layers.selection = new ol.layer.Vector({
    source: new ol.source.Vector(),
    properties: { name: 'selection' },
    updateWhileAnimating: true,  // a road search zooms while its selection arrives
    updateWhileInteracting: true,
    style: f => {
      const width = (WIDTH[f.get('road_class')] || 2) + 7;
      return RC.outOfReach && RC.outOfReach.has(f.get('segment_id'))
        ? cached('out|' + width, () => line(COLORS.outOfReach, width - 2, [8, 6]))
        : cached('sel|' + width, () => line(COLORS.selected, width));
    },
  });

  RC.rememberShapes = function (featureCollection) {
    geojson.readFeatures(featureCollection).forEach(f => selectionShapes.set(f.get('segment_id'), f));
  };

  async function drawSelection() {
    const missing = [...RC.selected].filter(id => !selectionShapes.has(id));
    for (let i = 0; i < missing.length; i += 200) {
      RC.rememberShapes(await RC.api('/api/segments?ids=' + missing.slice(i, i + 200).join(',')));
    }
    const source = layers.selection.getSource();
    source.clear();
    source.addFeatures([...RC.selected].map(id => selectionShapes.get(id)).filter(Boolean));
  }
  RC.selectionStyleChanged = () => layers.selection.changed();

  RC.initMap = function (config) {
    const base = [];
    if (config.basemap_url) {
      base.push(new ol.layer.Tile({ source: new ol.source.XYZ({ url: config.basemap_url }) }));
    }
    const labels = new ol.layer.Vector({
      source: new ol.source.Vector({ features: (config.labels || []).map(l => new ol.Feature({
        geometry: new ol.geom.Point(ol.proj.fromLonLat([l.lon, l.lat])), name: l.name, kind: l.kind })) }),
      declutter: true,
      style: (f, resolution) => {
        const sub = f.get('kind') === 'sub_district';
        if (sub ? resolution < 15 : resolution > 40) return null;  // areas' names at their scale
        return new ol.style.Style({ text: labelStyle(f.get('name'), sub ? 16 : 12) });
      },
    });
    layers.labels = labels;
    RC.map = new ol.Map({
      target: 'map',
      layers: base.concat(['communities', 'sub_districts', 'construction_sites', 'resettlement_points',
                           'dust', 'selection', 'segments', 'shops', 'issues', 'road_labels', 'labels'].map(n => layers[n])),
      view: new ol.View({ center: [0, 0], zoom: 2, maxZoom: 19 }),
      interactions: ol.interaction.defaults.defaults({ shiftDragZoom: false }),
    });
    if (config.extent) {
      RC.map.getView().fit(ol.proj.transformExtent(config.extent, 'EPSG:4326', 'EPSG:3857'), { padding: [20, 20, 20, 20] });
    }
    RC.map.on('singleclick', onClick);
    RC.map.on('pointermove', e => {
      if (e.dragging) return;
      const hit = RC.map.hasFeatureAtPixel(e.pixel, { layerFilter: l => l === layers.segments, hitTolerance: 4 });
      RC.map.getTargetElement().style.cursor = hit ? 'pointer' : '';
    });
    const box = new ol.interaction.DragBox({ condition: ol.events.condition.shiftKeyOnly });
    box.on('boxend', () => {
      const found = layers.segments.getFeaturesInExtent(box.getGeometry().getExtent());
      found.forEach(f => RC.selected.add(f.get('segment_id')));
      selectionChanged();
    });
    RC.map.addInteraction(box);
    legend();
  };

  function onClick(e) {
    const features = RC.map.getFeaturesAtPixel(e.pixel, { layerFilter: l => l === layers.segments, hitTolerance: 4 });
    const feature = features[0];
    const shift = e.originalEvent.shiftKey;
    if (!feature) {
      if (shift) return;
      RC.selected.clear();
      selectionChanged();
      // A click on an area (not a segment) shows that community's statistics.
      const area = RC.map.getFeaturesAtPixel(e.pixel, { layerFilter: l => l === layers.communities })[0];
      if (area && RC.showAreaStats) RC.showAreaStats(area.get('sub_district_id'), area.get('id'));
      return;
    }
    const id = feature.get('segment_id');
    if (shift) {
      RC.selected.has(id) ? RC.selected.delete(id) : RC.selected.add(id);
    } else {
      RC.selected = new Set([id]);
    }
    selectionChanged();
    RC.showSegment(id);
  }

  function selectionChanged() {
    drawSelection().catch(err => RC.toast(err.message, true));
    if (RC.onSelection) RC.onSelection();
  }
  RC.selectionChanged = selectionChanged;

  RC.setView = function (view) { RC.view = view; layers.segments.changed(); legend(); };

  RC.setLayerVisible = function (name, visible) { layers[name].setVisible(visible); legend(); };

  // After a write: new tile URLs, so every segment tile is fetched again with the new chiefs.
  RC.refreshSegments = function () {
    RC.tileVersion += 1;
    layers.segments.getSource().setUrl(`/tiles/segments/{z}/{x}/{y}.mvt?v=${RC.tileVersion}`);
  };

  // For the browser tests: what the map has drawn in the current view, read from the rendered tiles.
  RC.debug = {
    renderedSegmentIds() { return renderedIds(layers.segments, 'segment_id'); },
    renderedRoadLabels() { return renderedIds(layers.road_labels, 'road_name'); },
  };

  function renderedIds(layer, property) {
    const extent = RC.map.getView().calculateExtent(RC.map.getSize());
    return [...new Set(layer.getFeaturesInExtent(extent).map(f => f.get(property)))];
  }

  RC.zoomTo = function (extent4326, maxZoom) {
    RC.map.getView().fit(ol.proj.transformExtent(extent4326, 'EPSG:4326', 'EPSG:3857'),
                         { padding: [60, 60, 60, 60], maxZoom: maxZoom || 17, duration: 300 });
  };
})(window.RC);
