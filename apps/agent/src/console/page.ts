/**
 * The console's pages, served by the agent itself: one HTML page, its script and its style, kept in the
 * code so the installed agent needs no build step or extra files. The script is plain browser JavaScript
 * (no framework) and talks only to this box.
 */

export const INDEX_HTML = `<!doctype html>
<html lang="vi">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Trạm truyền thanh — bảng điều khiển tại trạm</title>
<link rel="stylesheet" href="/app.css">
<script src="/app.js" defer></script>
</head>
<body>
<header><h1>Bảng điều khiển tại trạm</h1><span id="link" class="badge"></span></header>

<main id="login" hidden>
  <form id="login-form" class="card">
    <h2>Đăng nhập</h2>
    <label for="pin">Mã PIN của trạm</label>
    <input id="pin" name="pin" type="password" inputmode="numeric" autocomplete="current-password" maxlength="12" required>
    <button type="submit" class="big">Đăng nhập</button>
    <p id="login-error" class="error" role="alert"></p>
  </form>
</main>

<main id="app" hidden>
  <section class="card">
    <h2>Đang phát</h2>
    <p id="on-air" class="on-air">Không phát gì</p>
    <button id="stop-on-air" class="big danger" hidden>Dừng thông báo</button>
  </section>

  <section class="card">
    <h2>Phát thông báo ngay</h2>
    <div class="tabs" role="tablist">
      <button type="button" id="tab-text" role="tab" aria-selected="true">Gõ văn bản</button>
      <button type="button" id="tab-rec" role="tab" aria-selected="false">Ghi âm</button>
    </div>
    <div id="pane-text">
      <label for="text">Nội dung (máy trạm sẽ đọc to)</label>
      <textarea id="text" rows="5" maxlength="3000" placeholder="Ví dụ: Kính mời bà con đến họp tại nhà văn hoá thôn lúc 19 giờ tối nay."></textarea>
    </div>
    <div id="pane-rec" hidden>
      <div id="recorder">
        <button type="button" id="rec-start" class="big">● Bắt đầu ghi</button>
        <button type="button" id="rec-stop" class="big" hidden>■ Dừng ghi</button>
        <p id="rec-status" class="muted"></p>
      </div>
      <div id="rec-file" hidden>
        <label for="rec-input">Ghi âm bằng điện thoại rồi chọn tệp</label>
        <input id="rec-input" type="file" accept="audio/*" capture>
      </div>
      <audio id="rec-preview" controls hidden></audio>
    </div>
    <label for="title">Tiêu đề ghi vào nhật ký (không bắt buộc)</label>
    <input id="title" maxlength="200">
    <fieldset>
      <legend>Phát ra</legend>
      <div id="clusters"></div>
    </fieldset>
    <label class="check"><input type="checkbox" id="emergency"> Thông báo khẩn cấp</label>
    <fieldset>
      <legend>Khi nào</legend>
      <label class="check"><input type="radio" name="when" value="now" checked> Phát ngay</label>
      <label class="check"><input type="radio" name="when" value="later"> Hẹn giờ <input id="at" type="time" disabled></label>
    </fieldset>
    <button id="announce" class="big primary">Phát thông báo</button>
    <p id="announce-msg" role="status"></p>
    <ul id="announcements" class="list"></ul>
  </section>

  <section class="card">
    <h2>Lịch phát hôm nay</h2>
    <ul id="schedule" class="list"></ul>
  </section>

  <section class="card">
    <h2>Âm lượng</h2>
    <div id="volumes"></div>
  </section>

  <button id="logout" class="link">Đăng xuất</button>
</main>
</body>
</html>
`;

export const APP_CSS = `*{box-sizing:border-box}
body{margin:0;font:18px/1.4 system-ui,sans-serif;background:#f3f4f6;color:#111}
header{display:flex;flex-wrap:wrap;align-items:center;justify-content:space-between;gap:8px;padding:12px 16px;background:#7f1d1d;color:#fff}
h1{font-size:20px;margin:0}h2{font-size:19px;margin:0 0 10px}
main{padding:10px;max-width:720px;margin:0 auto}
.decline-form{flex-basis:100%;margin-top:6px}.decline-form input{width:100%}
.card{background:#fff;border-radius:10px;padding:14px;margin:0 0 12px;box-shadow:0 1px 2px #0002}
label{display:block;margin:10px 0 4px;font-weight:600}
label.check{font-weight:400;display:flex;align-items:center;gap:8px;min-height:44px;margin:0}
input,textarea,select{font:inherit;width:100%;padding:10px;border:1px solid #9ca3af;border-radius:8px}
input[type=checkbox],input[type=radio]{width:26px;height:26px}
input[type=time]{width:auto}
input[type=range]{padding:0;height:44px}
fieldset{border:1px solid #d1d5db;border-radius:8px;margin:10px 0;padding:6px 10px}
button{font:inherit;border-radius:8px;border:1px solid #6b7280;background:#fff;padding:10px 14px;min-height:44px}
button.big{width:100%;min-height:56px;font-size:20px;font-weight:700;margin-top:10px}
button.primary{background:#b91c1c;border-color:#b91c1c;color:#fff}
button.danger{background:#111827;border-color:#111827;color:#fff}
button.link{border:0;background:none;text-decoration:underline;display:block;margin:10px auto}
.tabs{display:flex;gap:6px}.tabs button{flex:1}.tabs button[aria-selected=true]{background:#111827;color:#fff}
.badge{font-size:14px;padding:4px 8px;border-radius:999px;background:#fff;color:#111}
.badge.off{background:#fde68a}
.on-air{font-size:20px;font-weight:700;margin:0}
.list{list-style:none;margin:0;padding:0}
.list li{display:flex;flex-wrap:wrap;gap:6px 10px;align-items:center;padding:10px 0;border-top:1px solid #e5e7eb}
.list .time{font-weight:700;min-width:52px}.list .what{flex:1 1 60%}
.tag{font-size:14px;padding:2px 8px;border-radius:999px;background:#e5e7eb}
.tag.ok{background:#bbf7d0}.tag.bad{background:#fecaca}.tag.now{background:#fca5a5}
.muted{color:#4b5563}.error{color:#b91c1c;font-weight:600}
.vol{display:flex;align-items:center;gap:10px}.vol span{min-width:120px}
`;

export const APP_JS = `'use strict';
(function () {
  var $ = function (id) { return document.getElementById(id); };
  var state = null;
  var recording = null;
  var recorder = null;
  var chunks = [];
  var timer = null;
  var TZ = { timeZone: 'Asia/Ho_Chi_Minh', hour: '2-digit', minute: '2-digit', hour12: false };

  function clock(iso) { return new Date(iso).toLocaleTimeString('vi-VN', TZ); }
  function el(tag, cls, text) { var e = document.createElement(tag); if (cls) e.className = cls; if (text !== undefined) e.textContent = text; return e; }

  function api(method, path, body, type) {
    var init = { method: method, credentials: 'same-origin', headers: {} };
    if (body !== undefined) {
      init.headers['content-type'] = type || 'application/json';
      init.body = type ? body : JSON.stringify(body);
    }
    return fetch(path, init).then(function (res) {
      return res.json().catch(function () { return {}; }).then(function (data) {
        if (res.status === 401 && path !== '/api/login') { show(false); }
        if (!res.ok) { var err = new Error(data.message || ('Lỗi ' + res.status)); err.code = data.code; throw err; }
        return data;
      });
    });
  }

  function show(loggedIn) {
    $('login').hidden = loggedIn;
    $('app').hidden = !loggedIn;
    if (loggedIn) { refresh(); if (!timer) timer = setInterval(refresh, 3000); }
    else { if (timer) clearInterval(timer); timer = null; $('pin').focus(); }
  }

  var STATES = { waiting: 'Chờ phát', playing: 'Đang phát', started: 'Đang phát', done: 'Đã phát', skipped: 'Bỏ qua', declined: 'Không phát' };
  /** The item whose "Không phát" form is open: kept across the 3-second refreshes. */
  var declining = null;
  var declineText = '';
  var ANN = { pending: 'Chờ phát', playing: 'Đang phát', cancelled: 'Đã huỷ' };

  function render() {
    var s = state;
    var link = $('link');
    link.textContent = s.online ? 'Có kết nối máy chủ' : 'Mất kết nối máy chủ' + (s.pendingEvents ? ' · ' + s.pendingEvents + ' báo cáo chờ gửi' : '');
    link.className = 'badge' + (s.online ? '' : ' off');

    var onAir = s.onAir;
    $('on-air').textContent = onAir ? (onAir.kind === 'live' ? 'Phát trực tiếp: ' : onAir.kind === 'local' ? 'Thông báo tại trạm: ' : '') + onAir.title + (onAir.startedAt ? ' (từ ' + clock(onAir.startedAt) + ')' : '') : 'Không phát gì';
    $('stop-on-air').hidden = !(onAir && onAir.kind === 'local');
    $('stop-on-air').dataset.id = onAir && onAir.id ? onAir.id : '';

    var list = $('schedule');
    var typing = document.activeElement && document.activeElement.id === 'decline-reason';
    list.textContent = '';
    if (!s.schedule.length) list.appendChild(el('li', 'muted', 'Hôm nay trạm không có chương trình nào trong lịch.'));
    s.schedule.forEach(function (i) {
      var li = el('li');
      li.appendChild(el('span', 'time', clock(i.startAt)));
      li.appendChild(el('span', 'what', i.title + (i.priority === 'emergency' ? ' — KHẨN CẤP' : '')));
      li.appendChild(el('span', 'tag ' + (i.cached ? 'ok' : 'bad'), i.cached ? 'Đã tải về' : 'Chưa tải về'));
      li.appendChild(el('span', 'tag' + (i.state === 'playing' ? ' now' : ''), STATES[i.state] || i.state));
      if (i.state === 'declined' && i.declinedReason) li.appendChild(el('span', 'muted', 'Lý do: ' + i.declinedReason));
      if (i.declinable) {
        var b = el('button', 'decline', 'Không phát');
        b.addEventListener('click', function () { declining = i.occurrenceId; render(); });
        li.appendChild(b);
      }
      if (i.declinable && declining === i.occurrenceId) li.appendChild(declineForm(i));
      list.appendChild(li);
    });
    if (typing && $('decline-reason')) $('decline-reason').focus();

    var ann = $('announcements');
    ann.textContent = '';
    s.announcements.slice().reverse().forEach(function (a) {
      var li = el('li');
      li.appendChild(el('span', 'time', clock(a.at)));
      li.appendChild(el('span', 'what', a.local.title + (a.local.priority === 'emergency' ? ' — KHẨN CẤP' : '')));
      li.appendChild(el('span', 'tag' + (a.state === 'playing' ? ' now' : ''), a.state === 'done' ? (a.outcome || 'Đã phát') : ANN[a.state]));
      if (a.state === 'pending' || a.state === 'playing') {
        var b = el('button', '', a.state === 'playing' ? 'Dừng' : 'Huỷ');
        b.addEventListener('click', function () { stop(a.id); });
        li.appendChild(b);
      }
      ann.appendChild(li);
    });

    var box = $('clusters');
    if (box.dataset.ids !== s.clusters.map(function (c) { return c.id; }).join(',')) {
      box.textContent = '';
      s.clusters.forEach(function (c) {
        var l = el('label', 'check');
        var cb = el('input'); cb.type = 'checkbox'; cb.value = c.id; cb.checked = true; cb.name = 'cluster';
        l.appendChild(cb); l.appendChild(document.createTextNode(' ' + c.label));
        box.appendChild(l);
      });
      box.dataset.ids = s.clusters.map(function (c) { return c.id; }).join(',');
    }

    var vols = $('volumes');
    if (vols.dataset.ids !== box.dataset.ids) {
      vols.textContent = '';
      s.clusters.forEach(function (c) {
        var row = el('div', 'vol');
        var name = el('span', '', c.label);
        var r = el('input'); r.type = 'range'; r.min = '0'; r.max = '100'; r.step = '5'; r.value = String(c.volume); r.id = 'vol-' + c.id;
        r.setAttribute('aria-label', 'Âm lượng ' + c.label);
        var v = el('output', '', c.volume + '%');
        r.addEventListener('input', function () { v.textContent = r.value + '%'; });
        r.addEventListener('change', function () {
          api('POST', '/api/volume', { clusterId: c.id, volume: Number(r.value) }).catch(function (e) { alert(e.message); });
        });
        row.appendChild(name); row.appendChild(r); row.appendChild(v);
        vols.appendChild(row);
      });
      vols.dataset.ids = box.dataset.ids;
    }
  }

  /** TT39 leaves the commune one choice over the upper level's schedule: not to air a normal item, saying why. */
  function declineForm(i) {
    var form = el('form', 'decline-form');
    var label = el('label', '', 'Lý do không phát "' + i.title + '"');
    var input = el('input'); input.maxLength = 300; input.required = true; input.id = 'decline-reason'; input.value = declineText;
    input.addEventListener('input', function () { declineText = input.value; });
    label.htmlFor = input.id;
    var ok = el('button', 'danger', 'Xác nhận không phát'); ok.type = 'submit';
    var cancel = el('button', '', 'Thôi'); cancel.type = 'button';
    var msg = el('p', 'error'); msg.setAttribute('role', 'alert');
    cancel.addEventListener('click', function () { declining = null; declineText = ''; render(); });
    form.addEventListener('submit', function (ev) {
      ev.preventDefault();
      api('POST', '/api/decline', { occurrenceId: i.occurrenceId, reason: input.value })
        .then(function (s) { declining = null; declineText = ''; state = s; render(); })
        .catch(function (e) { msg.textContent = e.message; });
    });
    form.appendChild(label); form.appendChild(input); form.appendChild(ok); form.appendChild(cancel); form.appendChild(msg);
    return form;
  }

  function refresh() {
    api('GET', '/api/state').then(function (s) { state = s; render(); }).catch(function () {});
  }

  function stop(id) {
    api('POST', '/api/announcements/' + encodeURIComponent(id) + '/stop', {}).then(refresh, function (e) { alert(e.message); });
  }

  function chosen() {
    var all = Array.prototype.slice.call(document.querySelectorAll('input[name=cluster]'));
    return all.filter(function (c) { return c.checked; }).map(function (c) { return c.value; });
  }

  /** Today's (or, once past, tomorrow's) HH:MM in Vietnam time, as an instant. */
  function atTime() {
    if (document.querySelector('input[name=when]:checked').value !== 'later') return undefined;
    var hm = $('at').value;
    if (!hm) throw new Error('Hãy chọn giờ phát.');
    var now = new Date();
    var day = new Date(now.getTime() + 7 * 3600000).toISOString().slice(0, 10);
    var at = new Date(day + 'T' + hm + ':00+07:00');
    if (at.getTime() < now.getTime() - 60000) at = new Date(at.getTime() + 86400000);
    return at.toISOString();
  }

  function announce() {
    var msg = $('announce-msg');
    msg.className = '';
    var clusters = chosen();
    if (!clusters.length) { msg.className = 'error'; msg.textContent = 'Hãy chọn ít nhất một nơi phát.'; return; }
    var at;
    try { at = atTime(); } catch (e) { msg.className = 'error'; msg.textContent = e.message; return; }
    var emergency = $('emergency').checked;
    var title = $('title').value.trim();
    var done;
    if (!$('pane-text').hidden) {
      var text = $('text').value.trim();
      if (!text) { msg.className = 'error'; msg.textContent = 'Hãy nhập nội dung thông báo.'; return; }
      var body = { text: text, clusterIds: clusters, emergency: emergency };
      if (title) body.title = title;
      if (at) body.at = at;
      done = api('POST', '/api/announcements', body);
    } else {
      if (!recording) { msg.className = 'error'; msg.textContent = 'Chưa có bản ghi âm.'; return; }
      var q = new URLSearchParams({ clusters: clusters.join(','), emergency: emergency ? '1' : '0' });
      if (title) q.set('title', title);
      if (at) q.set('at', at);
      done = api('POST', '/api/announcements/recording?' + q.toString(), recording, recording.type || 'application/octet-stream');
    }
    $('announce').disabled = true;
    msg.textContent = 'Đang chuẩn bị…';
    done.then(function (a) {
      msg.textContent = a.state === 'pending' && at ? 'Đã hẹn phát lúc ' + clock(a.at) + '.' : 'Đã gửi lệnh phát: "' + a.local.title + '".';
      $('text').value = ''; $('title').value = '';
      refresh();
    }, function (e) { msg.className = 'error'; msg.textContent = e.message; })
      .then(function () { $('announce').disabled = false; });
  }

  function tab(which) {
    $('pane-text').hidden = which !== 'text';
    $('pane-rec').hidden = which !== 'rec';
    $('tab-text').setAttribute('aria-selected', String(which === 'text'));
    $('tab-rec').setAttribute('aria-selected', String(which === 'rec'));
  }

  function setRecording(blob) {
    recording = blob;
    var p = $('rec-preview');
    p.src = URL.createObjectURL(blob);
    p.hidden = false;
  }

  function startRec() {
    navigator.mediaDevices.getUserMedia({ audio: true }).then(function (stream) {
      chunks = [];
      recorder = new MediaRecorder(stream);
      recorder.ondataavailable = function (e) { if (e.data.size) chunks.push(e.data); };
      recorder.onstop = function () {
        stream.getTracks().forEach(function (t) { t.stop(); });
        setRecording(new Blob(chunks, { type: recorder.mimeType || 'audio/webm' }));
        $('rec-status').textContent = 'Đã ghi xong. Nghe lại rồi bấm "Phát thông báo".';
      };
      recorder.start();
      $('rec-start').hidden = true; $('rec-stop').hidden = false;
      $('rec-status').textContent = 'Đang ghi âm…';
    }, function (e) { $('rec-status').textContent = 'Không mở được micro: ' + e.message; });
  }

  function stopRec() {
    if (recorder && recorder.state !== 'inactive') recorder.stop();
    $('rec-start').hidden = false; $('rec-stop').hidden = true;
  }

  document.addEventListener('DOMContentLoaded', function () {
    // Browsers give the microphone only to secure pages; over plain http on the LAN the phone's own recorder makes the file.
    var canRecord = window.isSecureContext && navigator.mediaDevices && window.MediaRecorder;
    $('recorder').hidden = !canRecord;
    $('rec-file').hidden = !!canRecord;
    $('rec-start').addEventListener('click', startRec);
    $('rec-stop').addEventListener('click', stopRec);
    $('rec-input').addEventListener('change', function () { var f = $('rec-input').files[0]; if (f) setRecording(f); });
    $('tab-text').addEventListener('click', function () { tab('text'); });
    $('tab-rec').addEventListener('click', function () { tab('rec'); });
    Array.prototype.forEach.call(document.querySelectorAll('input[name=when]'), function (r) {
      r.addEventListener('change', function () { $('at').disabled = r.value !== 'later' || !r.checked; });
    });
    $('announce').addEventListener('click', announce);
    $('stop-on-air').addEventListener('click', function () { var id = $('stop-on-air').dataset.id; if (id) stop(id); });
    $('logout').addEventListener('click', function () { api('POST', '/api/logout', {}).then(function () { show(false); }); });
    $('login-form').addEventListener('submit', function (ev) {
      ev.preventDefault();
      $('login-error').textContent = '';
      api('POST', '/api/login', { pin: $('pin').value }).then(function () { $('pin').value = ''; show(true); }, function (e) { $('login-error').textContent = e.message; });
    });
    api('GET', '/api/session').then(function (s) { show(s.loggedIn); }, function () { show(false); });
  });
})();
`;
