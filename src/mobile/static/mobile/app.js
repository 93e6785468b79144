/* The grid worker's phone app (/m/): one script for every page of the app, so that the service
   worker keeps one set of files for offline use.

   Offline reports. A report is first written to IndexedDB (idb-keyval, store "platform-m" /
   "reports"), keyed by its client_id, with its photos as Blobs, then sent to POST /api/events/
   (multipart, channel "grid", client_id). The events intake is idempotent on (channel, client_id):
   a report sent twice is stored once, so a send whose answer was lost is simply sent again.
   - no network (fetch rejects) or a 5xx: the report stays queued and is retried (every few
     seconds while the page is open, on "online", on every page load);
   - 401 / 403 (the session expired or the CSRF token is stale): it stays queued, marked
     "waiting for sign-in", and is sent after the next sign-in — by the same user only;
   - 200 / 201: removed from the queue;
   - another 4xx (e.g. the place is outside the worker's grids): kept, with the server's message,
     until the worker deletes it; nothing is dropped silently.
   Only one page sends at a time (Web Locks where the browser has them). */
(function () {
  "use strict";
  var body = document.body, user = body.dataset.user || "";
  var store = idbKeyval.createStore("platform-m", "reports");
  var SEND_EVERY_MS = 8000;
  var signedOut = false;  // a 401/403 seen: retry on the next page load (after signing in), not every few seconds
  var API = "/api/events/";

  function $(id) { return document.getElementById(id); }
  function uuid() {
    if (window.crypto && crypto.randomUUID) { return crypto.randomUUID(); }
    return "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx".replace(/[xy]/g, function (c) {
      var r = Math.random() * 16 | 0; return (c === "x" ? r : (r & 3 | 8)).toString(16); });
  }
  function cookie(name) {
    var m = document.cookie.match("(?:^|; )" + name + "=([^;]*)");
    return m ? decodeURIComponent(m[1]) : "";
  }
  function csrf() {  // read at send time: a new sign-in rotates the token
    var field = document.querySelector("input[name=csrfmiddlewaretoken]");
    return cookie("csrftoken") || (field ? field.value : "");
  }
  function text(el, t) { if (el) { el.textContent = t; } }
  function hhmm(iso) { var d = new Date(iso); return (d.getMonth() + 1) + "-" + d.getDate() + " " + ("0" + d.getHours()).slice(-2) + ":" + ("0" + d.getMinutes()).slice(-2); }

  /* ---------------------------------------------------------------- the queue */
  var Queue = {
    add: function (item) {
      item.client_id = item.client_id || uuid();
      item.user = item.user || user;
      item.created_at = item.created_at || new Date().toISOString();
      item.status = "pending"; item.error = "";
      return idbKeyval.set(item.client_id, item, store).then(function () { render(); return item; });
    },
    list: function () {
      return idbKeyval.values(store).then(function (items) {
        return items.sort(function (a, b) { return a.created_at < b.created_at ? -1 : 1; });
      });
    },
    remove: function (clientId) { return idbKeyval.del(clientId, store).then(render); },
    mark: function (item, status, error) {
      item.status = status; item.error = error || "";
      return idbKeyval.set(item.client_id, item, store);
    },
    /* One POST of one queued report. Resolves {status, body} (status 0: no network). */
    send: function (item) {
      var form = new FormData();
      Object.keys(item.fields).forEach(function (k) {
        var v = item.fields[k]; if (v !== null && v !== undefined && v !== "") { form.append(k, v); }
      });
      form.append("channel", "grid"); form.append("client_id", item.client_id);
      (item.photos || []).forEach(function (p, i) { form.append("photos", p, item.names && item.names[i] || ("photo-" + (i + 1) + ".jpg")); });
      return fetch(API, {method: "POST", body: form, credentials: "same-origin", cache: "no-store",
                         headers: {"X-CSRFToken": csrf(), "Accept": "application/json"}})
        .then(function (r) {
          return r.json().catch(function () { return {}; }).then(function (j) { return {status: r.status, body: j}; });
        }, function () { return {status: 0, body: {}}; });
    },
    /* Send every queued report of the signed-in user, oldest first; stop at the first that cannot
       go now (no network, signed out). Resolves the number sent. */
    flush: function () {
      if (Queue._running) { return Queue._running; }
      var run = function () { return Queue.list().then(sendAll); };
      var p = (navigator.locks && navigator.locks.request) ? navigator.locks.request("platform-m-queue", run) : run();
      Queue._running = p.then(function (n) {
        Queue._running = null; render();
        if (n > 0 && body.dataset.tab === "mine") { location.reload(); }  // the sent reports join the list with their states
        return n;
      },
                              function (e) { Queue._running = null; render(); throw e; });
      return Queue._running;
    },
    _running: null
  };
  window.MobileQueue = Queue;

  function sendAll(items) {
    var mine = items.filter(function (i) { return i.user === user && i.status !== "refused"; });
    var sent = 0;
    function next(k) {
      if (k >= mine.length) { return Promise.resolve(sent); }
      var item = mine[k];
      return Queue.send(item).then(function (res) {
        if (res.status === 200 || res.status === 201) {
          sent++; setAuth(false); setNet(true);
          return idbKeyval.del(item.client_id, store).then(function () { return next(k + 1); });
        }
        if (res.status === 401 || res.status === 403) {
          setAuth(true); signedOut = true;
          return Queue.mark(item, "auth", "").then(function () { return sent; });
        }
        if (res.status === 0 || res.status >= 500) {
          setNet(res.status !== 0);
          return Queue.mark(item, "pending", res.status ? "服务器暂时不可用，稍后自动重试" : "").then(function () { return sent; });
        }
        var err = res.body && res.body.error || {};
        return Queue.mark(item, "refused", err.message || ("上报被拒绝（" + res.status + "）")).then(function () { return next(k + 1); });
      });
    }
    return next(0);
  }

  var authBanner = $("auth-needed"), net = $("netstate");
  function setAuth(on) { if (authBanner) { authBanner.hidden = !on; } }
  function setNet(on) { text(net, on ? "" : "网络不可用"); body.dataset.online = on ? "1" : "0"; }

  /* The queue as the pages show it: every element with data-pending-count, and the #pending list. */
  function render() {
    return Queue.list().then(function (items) {
      var waiting = items.filter(function (i) { return i.user === user; });
      document.querySelectorAll("[data-pending-count]").forEach(function (el) {
        el.textContent = String(waiting.length);
        if (el.classList.contains("m-badge")) { el.hidden = !waiting.length; }
      });
      var list = $("pending");
      if (!list) { return items; }
      list.textContent = "";
      if (!items.length) {
        var empty = document.createElement("li"); empty.className = "m-hint"; empty.textContent = list.dataset.empty;
        list.appendChild(empty);
      }
      items.forEach(function (i) {
        var li = document.createElement("li"); li.className = "pending-item"; li.dataset.clientId = i.client_id;
        var state = document.createElement("span"); state.className = "m-state wait";
        state.textContent = i.user !== user ? "待 " + i.user + " 登录后发送"
          : i.status === "auth" ? "待发送（需重新登录）" : i.status === "refused" ? "未通过" : "待发送";
        var title = document.createElement("b"), sub = document.createElement("span"); sub.className = "m-sub";
        if (i.user !== user) {  // another account's report on a shared phone: that it exists, not what it says
          title.textContent = "其他账号的上报"; sub.textContent = hhmm(i.created_at);
        } else {
          title.textContent = i.class_name || "待分类";
          sub.textContent = hhmm(i.created_at) + ((i.photos || []).length ? " · " + i.photos.length + " 张照片" : "") +
            " · " + (i.fields.description || "").slice(0, 40);
        }
        li.append(state, title, sub);
        if (i.error) { var e = document.createElement("span"); e.className = "m-error"; e.textContent = i.error; li.appendChild(e); }
        if (i.status === "refused") {
          var del = document.createElement("button"); del.type = "button"; del.className = "m-link-dark"; del.textContent = "删除";
          del.addEventListener("click", function () { if (confirm("删除这条未通过的上报？")) { Queue.remove(i.client_id); } });
          li.appendChild(del);
        }
        list.appendChild(li);
      });
      return items;
    });
  }

  /* ---------------------------------------------------------------- service worker */
  var unavailable = $("offline-unavailable");
  function offlineUnavailable() { if (unavailable) { unavailable.hidden = false; } body.dataset.offline = "unavailable"; }
  function startServiceWorker() {
    if (!window.isSecureContext || !("serviceWorker" in navigator) || !window.workbox) { offlineUnavailable(); return; }
    var wb = new workbox.Workbox(body.dataset.sw, {scope: body.dataset.scope});
    wb.register().then(function () {
      return navigator.serviceWorker.ready;
    }).then(function () {
      // keep this page, the other tabs and every file this page loaded for use without a network
      var urls = [location.href].concat(body.dataset.pages.split(" ").map(function (p) { return new URL(p, location.href).href; }));
      performance.getEntriesByType("resource").forEach(function (r) {
        if (r.name.indexOf(location.origin + "/static/") === 0) { urls.push(r.name); }
      });
      return wb.messageSW({type: "CACHE_URLS", payload: {urlsToCache: urls}});
    }).then(function () { body.dataset.offline = "ready"; }, function () { offlineUnavailable(); });
    var logout = $("logout");
    if (logout) {
      logout.addEventListener("submit", function (e) {
        e.preventDefault();
        var done = function () { logout.submit(); };
        wb.messageSW({type: "CLEAR_PAGES"}).then(done, done);
        setTimeout(done, 1500);
      });
    }
  }

  /* ---------------------------------------------------------------- maps */
  function gridMap(el) {
    var data = $("my-grids"); if (!el || !data) { return null; }
    var mine = JSON.parse(data.textContent);
    var map = L.map(el, {attributionControl: false}).setView([32.397, 119.44], 14);
    var tiles = document.body.dataset.mapTiles; if (tiles) { L.tileLayer(tiles, {maxZoom: 19}).addTo(map); }
    var layer = L.geoJSON(mine, {style: {color: "#1f5fae", weight: 2, fillOpacity: 0.12},
      onEachFeature: function (f, l) { l.bindTooltip(f.properties.name + "（" + f.properties.role + "）"); }}).addTo(map);
    if (mine.features.length) { map.fitBounds(layer.getBounds(), {padding: [12, 12]}); }
    return map;
  }

  /* ---------------------------------------------------------------- photos */
  function photoPicker(input, box, max) {
    var files = [];
    function show() {
      box.textContent = "";
      files.forEach(function (f, i) {
        var wrap = document.createElement("span"); wrap.className = "m-thumb";
        var img = document.createElement("img"); img.alt = "照片 " + (i + 1); img.src = URL.createObjectURL(f);
        var x = document.createElement("button"); x.type = "button"; x.textContent = "×"; x.setAttribute("aria-label", "移除照片 " + (i + 1));
        x.addEventListener("click", function () { files.splice(i, 1); show(); });
        wrap.append(img, x); box.appendChild(wrap);
      });
      box.dataset.count = files.length;
    }
    input.addEventListener("change", function () {
      Array.prototype.forEach.call(input.files, function (f) { if (files.length < max) { files.push(f); } });
      input.value = ""; show();
    });
    return {files: function () { return files.slice(); }, clear: function () { files = []; show(); }};
  }

  /* ---------------------------------------------------------------- report form */
  function reportPage() {
    var form = $("report"); if (!form) { return; }
    var classes = JSON.parse($("classes").textContent), list = $("r-classes"), search = $("r-class-search");
    var chosen = $("r-class-chosen"), category = $("r-category"), chosenName = "";
    function drawClasses() {
      var q = search.value.trim().toLowerCase(); list.textContent = "";
      var rows = classes.filter(function (c) {
        return !q || c.name.toLowerCase().indexOf(q) >= 0 || c.code.indexOf(q) === 0 || c.major.toLowerCase().indexOf(q) >= 0;
      });
      if (!q) { rows = rows.filter(function (c) { return c.common; }).concat(rows.filter(function (c) { return !c.common; }).slice(0, 12)); }
      rows.slice(0, 40).forEach(function (c) {
        var b = document.createElement("button"); b.type = "button"; b.className = "m-class" + (c.common ? " common" : "");
        b.setAttribute("role", "option"); b.dataset.code = c.code;
        b.setAttribute("aria-selected", c.code === category.value ? "true" : "false");
        b.textContent = c.name; var s = document.createElement("small"); s.textContent = c.code + " " + c.major; b.appendChild(s);
        b.addEventListener("click", function () {
          category.value = c.code; chosenName = c.name; chosen.textContent = "已选：" + c.name + "（" + c.code + "）";
          error("category", ""); drawClasses();
        });
        list.appendChild(b);
      });
      if (!rows.length) { var p = document.createElement("p"); p.className = "m-hint"; p.textContent = "没有匹配的类别"; list.appendChild(p); }
    }
    search.addEventListener("input", drawClasses);          // Chinese IMEs: input fires after composition
    search.addEventListener("compositionend", drawClasses);
    drawClasses();

    var mapEl = $("reportmap"), map = gridMap(mapEl), marker = null;
    var lat = $("r-lat"), lng = $("r-lng"), place = $("r-place"), placeHint = place.textContent;
    function setPlace(ll, how) {
      lat.value = ll.lat.toFixed(6); lng.value = ll.lng.toFixed(6);
      if (map) { if (!marker) { marker = L.marker(ll).addTo(map); } else { marker.setLatLng(ll); } }
      place.textContent = how + "：" + lat.value + ", " + lng.value;
      mapEl.dataset.place = lat.value + "," + lng.value; error("lat", "");
    }
    if (map) { map.on("click", function (e) { setPlace(e.latlng, "地图标记"); }); }
    $("r-gps").addEventListener("click", function () {
      if (!navigator.geolocation) { place.textContent = "本机不支持定位，请点击地图标记位置"; return; }
      place.textContent = "正在定位…";
      navigator.geolocation.getCurrentPosition(function (p) {
        var ll = L.latLng(p.coords.latitude, p.coords.longitude); setPlace(ll, "手机定位");
        if (map) { map.setView(ll, Math.max(map.getZoom(), 16)); }
      }, function () { place.textContent = "无法获取定位，请检查手机定位权限，或点击地图标记位置"; },
      {enableHighAccuracy: true, timeout: 15000, maximumAge: 30000});
    });

    var photos = photoPicker($("r-photo"), $("r-photos"), 9);
    var descr = $("r-description");
    var Speech = window.SpeechRecognition || window.webkitSpeechRecognition, voice = $("r-voice");
    if (Speech) {  // only where the phone offers it; otherwise the keyboard's own voice input
      voice.hidden = false;
      voice.addEventListener("click", function () {
        var rec = new Speech(); rec.lang = "zh-CN"; rec.interimResults = false;
        voice.textContent = "正在听…"; voice.disabled = true;
        rec.onresult = function (e) { descr.value += e.results[0][0].transcript; };
        rec.onerror = function () { text($("r-msg"), "语音识别不可用，可使用输入法的语音输入"); };
        rec.onend = function () { voice.textContent = "语音输入"; voice.disabled = false; };
        rec.start();
      });
    }
    function error(field, msg) {
      var el = $("r-" + field + "-error"); text(el, msg);
      var input = field === "category" ? search : field === "lat" ? mapEl : $("r-" + field);
      if (input) { input.setAttribute("aria-invalid", msg ? "true" : "false"); }
    }
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      var bad = false;
      if (!category.value) { error("category", "请选择事件类别"); bad = true; }
      if (!lat.value) { error("lat", "请点击地图或使用手机定位给出事件位置"); bad = true; }
      if (!descr.value.trim()) { error("description", "请填写描述：发现了什么问题"); bad = true; }
      if (bad) { text($("r-msg"), "请补全标红的内容"); return; }
      var picked = photos.files();
      var item = {fields: {category: category.value, description: descr.value.trim(), lat: lat.value, lng: lng.value},
                  class_name: chosenName, photos: picked, names: picked.map(function (f) { return f.name || "photo.jpg"; })};
      $("r-submit").disabled = true;
      Queue.add(item).then(function (saved) {
        text($("r-msg"), "已保存在本机，正在发送…");
        form.reset(); category.value = ""; chosenName = ""; chosen.textContent = "未选择类别"; photos.clear();
        lat.value = ""; lng.value = ""; place.textContent = placeHint; delete mapEl.dataset.place;
        if (marker) { map.removeLayer(marker); marker = null; }
        drawClasses();
        return Queue.flush().then(function () {
          return idbKeyval.get(saved.client_id, store).then(function (left) {
            text($("r-msg"), !left ? "上报成功" : left.status === "auth" ? "登录已过期：上报已保存在本机，重新登录后自动发送"
              : left.status === "refused" ? "上报未通过：" + left.error : "网络不可用：上报已保存在本机（待发送），联网后自动发送");
          });
        });
      }).catch(function () { text($("r-msg"), "无法保存到本机存储，请检查浏览器设置"); })
        .then(function () { $("r-submit").disabled = false; });
    });
  }

  /* ---------------------------------------------------------------- verification (online only) */
  function verifyPage() {
    var form = $("verify"); if (!form) { return; }
    var photos = photoPicker($("v-photo"), $("v-photos"), 9), reason = $("v-reason"), msg = $("v-msg");
    function fieldError(name, m) { text($("v-" + name + "-error"), m); if (name === "reason") { reason.setAttribute("aria-invalid", m ? "true" : "false"); } }
    function submit(passed) {
      var data = new FormData(); data.append("passed", passed ? "true" : "false");
      if (!passed) {
        if (!reason.value.trim()) { fieldError("reason", "请填写核查不通过的原因"); reason.focus(); return; }
        data.append("reason", reason.value.trim());
        photos.files().forEach(function (f) { data.append("photos", f, f.name || "photo.jpg"); });
      }
      fieldError("reason", ""); fieldError("photos", "");
      form.querySelectorAll("button").forEach(function (b) { b.disabled = true; });
      fetch(form.dataset.api, {method: "POST", body: data, credentials: "same-origin",
                               headers: {"X-CSRFToken": csrf(), "Accept": "application/json"}})
        .then(function (r) { return r.json().catch(function () { return {}; }).then(function (j) { return {status: r.status, body: j}; }); })
        .then(function (res) {
          if (res.status === 200) {
            form.dataset.done = passed ? "passed" : "failed";
            text(msg, passed ? "核查通过，已提交" : "核查不通过，已退回处置");
            setTimeout(function () { location.href = form.dataset.back; }, 1200);
            return;
          }
          var code = res.body.error && res.body.error.code;
          if (res.status === 401 || (res.status === 403 && (code === "not_authenticated" || code === "authentication_failed"))) { setAuth(true); }
          var err = res.body.error || {}, fields = err.fields || {};
          Object.keys(fields).forEach(function (k) { if (k === "reason" || k === "photos") { fieldError(k, fields[k][0]); } });
          text(msg, err.message || ("提交失败（" + res.status + "）"));
        }, function () { text(msg, "网络不可用：核查需要联网，请稍后再提交"); })
        .then(function () { form.querySelectorAll("button").forEach(function (b) { b.disabled = false; }); });
    }
    $("v-pass").addEventListener("click", function () { submit(true); });
    $("v-fail").addEventListener("click", function () { submit(false); });
  }

  /* ---------------------------------------------------------------- start */
  var homeMap = $("gridmap"); if (homeMap) { gridMap(homeMap); }
  reportPage();
  verifyPage();
  startServiceWorker();
  setNet(true);
  render().then(function () { return Queue.flush(); }).catch(function () {});
  setInterval(function () { if (!signedOut) { Queue.flush().catch(function () {}); } }, SEND_EVERY_MS);
  window.addEventListener("online", function () { Queue.flush().catch(function () {}); });
  document.addEventListener("visibilitychange", function () { if (!document.hidden) { Queue.flush().catch(function () {}); } });
})();
