/* Command-centre screen. Polls /command/state/ with If-None-Match every POLL_MS; a 304 costs the
   server two index reads. When the cursor moved, it fetches the parts again and redraws them.
   Actions go to the events API (POST /api/events/{id}/{accept|file|dispatch}/), never elsewhere. */
(function () {
  "use strict";
  var POLL_MS = 4000;
  var root = document.getElementById("command");
  if (!root) { return; }
  var labels = JSON.parse(document.getElementById("command-labels").textContent);
  var units = JSON.parse(document.getElementById("command-units").textContent);
  var state = JSON.parse(document.getElementById("command-state").textContent);
  var etag = '"' + root.dataset.cursor + '"';
  var desk = root.dataset.mode === "desk";
  var csrf = (JSON.parse(document.body.getAttribute("hx-headers") || "{}") || {})["X-CSRFToken"] || "";
  var COLOURS = {normal: "#2563eb", yellow: "#eab308", red: "#dc2626"};
  var seenAlerts = {};
  var soundOn = false;
  var busy = false;

  function esc(s) {
    return String(s == null ? "" : s).replace(/[&<>"']/g, function (c) {
      return {"&": "&amp;", "<": "&lt;", ">": "&gt;", "\"": "&quot;", "'": "&#39;"}[c];
    });
  }
  function hhmm(iso) { return iso ? iso.slice(5, 16).replace("T", " ") : "—"; }
  function deadline(warn, due, now) {
    if (due && now >= Date.parse(due)) { return "red"; }
    if (warn && now >= Date.parse(warn)) { return "yellow"; }
    return "normal";
  }

  /* ---- map: grid layer underneath, clustered event markers on top ---- */
  var mapEl = document.getElementById("cmdmap");
  var map = L.map(mapEl, {attributionControl: false, preferCanvas: true, maxZoom: 18});  // markercluster needs a maxZoom
  if (document.body.dataset.mapTiles) { L.tileLayer(document.body.dataset.mapTiles, {maxZoom: 19}).addTo(map); }
  map.setView([32.39, 119.42], 10);
  var gridPane = map.createPane("grids"); gridPane.style.zIndex = 350;
  var cluster = L.markerClusterGroup({disableClusteringAtZoom: 16, chunkedLoading: true, maxClusterRadius: 50});
  map.addLayer(cluster);
  var fitted = false;
  if (root.dataset.division) {
    fetch("/api/grids/map/?division=" + encodeURIComponent(root.dataset.division), {credentials: "same-origin"})
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (fc) {
        if (!fc || !fc.features || !fc.features.length) { return; }
        var layer = L.geoJSON(fc, {pane: "grids", interactive: false,
          style: {color: "#64748b", weight: 1, fillOpacity: 0.05}}).addTo(map);
        if (!fitted) { map.fitBounds(layer.getBounds()); fitted = true; }
      }).catch(function () { /* the grid layer is a backdrop; the events still show */ });
  }
  function drawMap(rows) {
    var now = Date.now();
    cluster.clearLayers();
    var markers = [], ids = [];
    rows.forEach(function (r) {
      var colour = COLOURS[deadline(r[4], r[5], now)];
      var m = L.circleMarker([r[1], r[2]], {radius: 7, color: colour, fillColor: colour, fillOpacity: 0.8, weight: 1});
      m.bindPopup('<a href="/events/' + r[0] + '/">' + esc(r[6] || "事件") + "</a><br>" +
                  esc(labels.state[r[3]] || r[3]) + "<br>时限 " + esc(hhmm(r[5])));
      markers.push(m); ids.push(r[0]);
    });
    cluster.addLayers(markers);
    mapEl.dataset.count = String(rows.length);
    mapEl.dataset.ids = ids.join(",");
    if (!fitted && markers.length) { map.fitBounds(L.featureGroup(markers).getBounds().pad(0.1)); fitted = true; }
  }

  /* ---- figures, breakdowns, warnings, trend ---- */
  var FIG = [["received", "今日受理上报"], ["filed", "今日立案"], ["dispatched", "今日派遣"],
             ["handled", "今日处置"], ["closed", "今日结案"], ["overdue", "当前超期"]];
  function drawFigures(f) {
    document.getElementById("cmd-figures").innerHTML = FIG.map(function (p) {
      return '<div class="tile' + (p[0] === "overdue" && f[p[0]] ? " warn" : "") + '" data-figure="' + p[0] + '"><b>' +
             esc(f[p[0]]) + "</b>" + esc(p[1]) + "</div>";
    }).join("");
    function table(title, obj, names) {
      return "<div><h3>" + esc(title) + '</h3><table class="list">' + Object.keys(obj).map(function (k) {
        return "<tr><td>" + esc(names[k] || k) + "</td><td>" + esc(obj[k]) + "</td></tr>";
      }).join("") + "</table></div>";
    }
    document.getElementById("cmd-breakdown").innerHTML =
      table("今日上报·按渠道", f.by_channel, labels.channel) + table("今日上报·按层级", f.by_level, labels.level);
  }
  function drawWarnings(w) {
    function list(title, part) {
      return "<h3>" + esc(title) + " <b>" + esc(part.total) + '</b></h3><ul class="warn-list">' +
        part.rows.slice(0, 8).map(function (r) {
          return '<li><a href="/events/' + r.id + '/">' + esc(r.class || r.code) + "</a> · " + esc(r.place) +
                 " · 时限 " + esc(hhmm(r.due_at)) + "</li>";
        }).join("") + "</ul>";
    }
    var spikes = w.spikes || [];
    var spikeList = "<h3>突增 <b>" + esc(spikes.length) + '</b></h3><ul class="warn-list" id="cmd-spikes">' +
      spikes.slice(0, 8).map(function (s) {
        return '<li data-spike="' + esc(s.kind + ":" + s.key) + '">' + (s.kind === "town" ? "镇街 " : "类别 ") +
               esc(s.name || s.key) + " · 本小时 <b>" + esc(s.count) + "</b> 件（同时段常值 " + esc(s.mean) + "）</li>";
      }).join("") + "</ul>";
    document.getElementById("cmd-warnings").innerHTML = list("已超期", w.overdue) + list("临近时限", w.near_due) +
      spikeList;
  }
  var chart = null;
  function drawTrend(t) {
    if (!window.echarts) { return; }
    chart = chart || echarts.init(document.getElementById("cmd-trend"));
    chart.setOption({
      tooltip: {trigger: "axis"}, legend: {data: ["上报", "结案"]}, grid: {left: 40, right: 10, top: 30, bottom: 30},
      xAxis: {type: "category", data: t.days.map(function (d) { return d.slice(5); })},
      yAxis: {type: "value", minInterval: 1},
      series: [{name: "上报", type: "line", data: t.received, smooth: true},
               {name: "结案", type: "line", data: t.closed, smooth: true}]
    });
  }

  /* ---- queues with the routing proposal and one-click accept / override ---- */
  var QUEUES = [["accept", "待受理", "采纳建议受理"], ["file", "待立案", "立案"], ["dispatch", "待派遣", "按建议派遣"]];
  var unitOptions = units.map(function (u) { return '<option value="' + u.id + '">' + esc(u.name) + "</option>"; }).join("");
  var levelOptions = Object.keys(labels.level).map(function (k) {
    return '<option value="' + k + '">' + esc(labels.level[k]) + "</option>";
  }).join("");
  function row(verb, button, r) {
    var p = r.proposal;
    var html = '<div class="qrow ' + r.deadline + '" data-event="' + r.id + '" data-verb="' + verb + '">' +
      '<a href="/events/' + r.id + '/">' + esc(r.code || ("#" + r.id)) + "</a> " + esc(r.class) +
      ' <span class="hint">' + esc(r.place) + " · " + esc(hhmm(r.reported_at)) + "</span><br>" + esc(r.description) +
      '<div class="proposal">建议：' + esc(p.unit_name || "（无承办单位）") + " · " + esc(labels.level[p.level] || p.level) +
      "</div>" + (p.why ? '<div class="why">' + esc(p.why) + "</div>" : "");
    if (desk) {
      html += '<button type="button" class="primary" data-act="' + verb + '">' + esc(button) + "</button>";
      if (verb !== "file") {
        html += '<details><summary>改派（须说明理由）</summary><form data-override="' + verb + '">' +
          '<label>承办单位 <select name="unit"><option value="">（按建议）</option>' + unitOptions + "</select></label>" +
          '<label>层级 <select name="level"><option value="">（按建议）</option>' + levelOptions + "</select></label>" +
          '<label>理由 <textarea name="reason" rows="2" required></textarea></label>' +
          '<button type="submit">改派并' + (verb === "accept" ? "受理" : "派遣") + "</button></form></details>";
      }
      html += '<div class="err" role="status"></div>';
    }
    return html + "</div>";
  }
  function drawQueues(q) {
    document.getElementById("cmd-queues").innerHTML = QUEUES.map(function (d) {
      var part = q[d[0]];
      return '<div data-queue="' + d[0] + '"><h2>' + esc(d[1]) + " <b>" + esc(part.total) + "</b></h2>" +
        (part.rows.length ? part.rows.map(function (r) { return row(d[0], d[2], r); }).join("") :
          '<p class="hint">无</p>') + "</div>";
    }).join("");
  }
  function act(el, verb, body) {
    var id = el.closest(".qrow").dataset.event;
    var err = el.closest(".qrow").querySelector(".err");
    return fetch("/api/events/" + id + "/" + verb + "/", {
      method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRFToken": csrf}, body: JSON.stringify(body || {})
    }).then(function (r) {
      if (r.ok) { poll(); return; }
      return r.json().then(function (j) {
        var e = (j && j.error) || {};
        var fields = Object.keys(e.fields || {}).map(function (k) { return [].concat(e.fields[k]).join("，"); });
        err.textContent = (e.message || "操作失败") + (fields.length ? "（" + fields.join("；") + "）" : "");
      });
    }).catch(function () { err.textContent = "网络异常，请重试"; });
  }
  document.getElementById("cmd-queues").addEventListener("click", function (ev) {
    var b = ev.target.closest("button[data-act]");
    if (b) { b.disabled = true; act(b, b.dataset.act, {}); }
  });
  document.getElementById("cmd-queues").addEventListener("submit", function (ev) {
    var f = ev.target.closest("form[data-override]");
    if (!f) { return; }
    ev.preventDefault();
    var body = {reason: f.reason.value};
    if (f.unit.value) { body.unit = Number(f.unit.value); }
    if (f.level.value) { body.level = f.level.value; }
    act(f, f.dataset.override, body);
  });

  /* ---- alerts: banner + sound for a new escalation or town call ---- */
  var sound = new Audio(root.dataset.sound);
  document.getElementById("cmd-sound").addEventListener("click", function () {
    soundOn = !soundOn;
    this.setAttribute("aria-pressed", String(soundOn));
    this.textContent = soundOn ? "关闭提示音" : "开启提示音";
  });
  document.getElementById("cmd-fullscreen").addEventListener("click", function () {
    if (document.fullscreenElement) { document.exitFullscreen(); } else { document.documentElement.requestFullscreen(); }
  });
  function drawAlerts(list, first) {
    var banner = document.getElementById("cmd-banner");
    var fresh = list.filter(function (a) { return !seenAlerts[a.id]; });
    list.forEach(function (a) { seenAlerts[a.id] = true; });
    if (!list.length) { banner.hidden = true; return; }
    banner.innerHTML = list.slice(0, 3).map(function (a) {
      return (a.link ? '<a href="' + esc(a.link) + '">' + esc(a.title) + "</a>" : esc(a.title));
    }).join("　|　");
    banner.hidden = false;
    banner.dataset.count = String(list.length);
    if (fresh.length && !first && soundOn) { sound.currentTime = 0; sound.play().catch(function () {}); }
  }
  function drawUnread(n) {
    var a = document.getElementById("unread-count");
    if (!a || n == null) { return; }
    a.dataset.unread = String(n);
    a.innerHTML = "消息" + (n ? ' <b class="badge">' + esc(n) + "</b>" : "");
  }

  function apply(s, first) {
    if (s.map) { drawMap(s.map); }
    if (s.figures) { drawFigures(s.figures); }
    if (s.warnings) { drawWarnings(s.warnings); }
    if (s.queues) { drawQueues(s.queues); }
    if (s.trend) { drawTrend(s.trend); state.trendDay = s.now.slice(0, 10); }
    if (s.alerts) { drawAlerts(s.alerts, first); }
    if (s.unread != null) { drawUnread(s.unread); }
    var st = document.getElementById("cmd-status");
    st.dataset.refreshed = String(Number(st.dataset.refreshed) + (first ? 0 : 1));
    st.textContent = "实时更新中 · " + hhmm(s.now);
  }
  function poll() {
    if (busy) { return; }
    busy = true;
    var parts = "map,queues,warnings,figures,alerts";
    var d = new Date();
    var today = d.getFullYear() + "-" + ("0" + (d.getMonth() + 1)).slice(-2) + "-" + ("0" + d.getDate()).slice(-2);
    if (state.trendDay !== today) { parts += ",trend"; }
    fetch(root.dataset.stateUrl + "?parts=" + parts, {
      credentials: "same-origin", cache: "no-store", headers: {"If-None-Match": etag, "X-Background-Refresh": "1"}
    }).then(function (r) {
      if (r.status === 304) { return null; }
      if (r.redirected) { window.location.reload(); return null; }  // the session ended: show the sign-in page
      if (!r.ok) { document.getElementById("cmd-status").textContent = "更新失败（" + r.status + "），稍后重试"; return null; }
      etag = r.headers.get("ETag") || etag;
      return r.json();
    }).then(function (s) { if (s) { apply(s, false); } })
      .catch(function () { document.getElementById("cmd-status").textContent = "网络中断，稍后重试"; })
      .then(function () { busy = false; });
  }
  apply(state, true);
  state.trendDay = state.now.slice(0, 10);
  setInterval(poll, POLL_MS);
})();
