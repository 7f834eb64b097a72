// The API client: JSON over fetch, the sign-in token kept in localStorage, one error toast.
window.RC = window.RC || {};
(function (RC) {
  RC.token = localStorage.getItem('roadchief.token');
  RC.user = JSON.parse(localStorage.getItem('roadchief.user') || 'null');

  // Sign-in shared by the web map and the 台账 page: one token and user in localStorage.
  RC.signIn = async function (username, password) {
    const res = await RC.api('/api/auth/login', { method: 'POST', json: { username, password } });
    RC.token = res.token; RC.user = res.user;
    localStorage.setItem('roadchief.token', res.token);
    localStorage.setItem('roadchief.user', JSON.stringify(res.user));
    return res.user;
  };

  RC.signOut = async function () {
    try { await RC.api('/api/auth/logout', { method: 'POST' }); } catch (err) { /* already gone */ }
    RC.token = null; RC.user = null;
    localStorage.removeItem('roadchief.token'); localStorage.removeItem('roadchief.user');
  };

  RC.api = async function (path, options = {}) {
    const headers = Object.assign({}, options.headers || {});
    if (RC.token) headers['Authorization'] = 'Bearer ' + RC.token;
    if (options.json !== undefined) {
      headers['Content-Type'] = 'application/json';
      options.body = JSON.stringify(options.json);
    }
    const response = await fetch(path, { method: options.method || 'GET', headers, body: options.body });
    const body = (response.headers.get('content-type') || '').includes('json') ? await response.json() : await response.text();
    if (!response.ok) {
      const error = new Error(RC.errorText(response.status, body));
      error.status = response.status;
      error.body = body;
      throw error;
    }
    return body;
  };

  // The API's error body carries `message_zh`, written for the bureau's staff: shown as it is.
  // Without one (a proxy's error page, an older server) the user reads what went wrong in Chinese
  // by status, then the API's English detail.
  RC.ERROR_LABEL = {
    400: '请求有误', 401: '身份验证失败', 403: '没有权限', 404: '未找到', 409: '与当前状态冲突',
    413: '文件过大', 422: '输入有误', 503: '数据库暂不可用',
  };
  RC.errorText = function (status, body) {
    if (body && body.message_zh) return body.message_zh;
    const label = RC.ERROR_LABEL[status] || ('请求失败（' + status + '）');
    const detail = body && body.error;
    return detail ? label + '：' + detail : label;
  };

  RC.toast = function (message, isError) {
    const el = document.getElementById('toast');
    el.textContent = message;
    el.className = isError ? 'error' : '';
    el.hidden = false;
    clearTimeout(RC._toastTimer);
    RC._toastTimer = setTimeout(() => { el.hidden = true; }, isError ? 8000 : 4000);
  };

  RC.esc = function (value) {
    return String(value == null ? '' : value).replace(/[&<>"']/g,
      c => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));
  };

  // A phone number as a link the phone dials; the href keeps only what a dialler reads.
  RC.tel = function (phone) {
    if (!phone) return '';
    const number = String(phone).replace(/[^0-9+]/g, '');
    return number ? `<a class="tel" href="tel:${number}">${RC.esc(phone)}</a>` : RC.esc(phone);
  };

  // Times a person reads are in the district's time zone (from /api/webmap/config), not the
  // browser's nor UTC: "2026-12-01 23:21".
  RC.localTime = function (value, withTime) {
    if (value == null || value === '') return '';
    const zone = (RC.config && RC.config.district && RC.config.district.timezone) || 'Asia/Shanghai';
    const options = { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit', hourCycle: 'h23' };
    if (withTime) Object.assign(options, { hour: '2-digit', minute: '2-digit' });
    const parts = {};
    for (const p of new Intl.DateTimeFormat('en-CA', options).formatToParts(new Date(value))) parts[p.type] = p.value;
    const day = `${parts.year}-${parts.month}-${parts.day}`;
    return withTime ? `${day} ${parts.hour}:${parts.minute}` : day;
  };

  RC.km = m => (m / 1000).toFixed(2);
  RC.pct = share => share == null ? '—' : (share * 100).toFixed(1) + '%';
  RC.TIER_LABEL = { 1: '一级路长', 2: '二级路长', 3: '三级路长' };
  RC.ACTION_LABEL = { assign: '指派', reassign: '更换', unassign: '解除', unchanged: '不变' };
  // The nine statuses of the case flow (roads/issues/flow.py STATUS_LABELS).
  RC.STATUS_LABEL = { reported: '上报', filed: '立案', rejected: '不予立案', dispatched: '派遣', handling: '处置',
                      handled: '反馈', verified: '核查', closed: '结案', on_hold: '挂账' };
  RC.OPEN_STATUSES = ['reported', 'filed', 'dispatched', 'handling', 'handled', 'verified', 'on_hold'];
})(window.RC);
