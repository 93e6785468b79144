/* Leader dashboard: draws the ECharts charts from the page's JSON (#assess-dashboard-data). */
(function () {
  "use strict";
  var node = document.getElementById("assess-dashboard-data");
  if (!node || !window.echarts) { return; }
  var data = JSON.parse(node.textContent);
  var names = { close_rate: "结案率", close_on_time_rate: "按期结案率", satisfaction_rate: "群众满意率" };
  function chart(id) { var el = document.getElementById(id); return el ? echarts.init(el) : null; }
  function pct(v) { return v === null ? null : Math.round(v * 1000) / 10; }

  var trend = chart("chart-trend");
  if (trend) {
    var codes = Object.keys(data.trend);
    var periods = codes.length ? data.trend[codes[0]].map(function (p) { return p.period; }) : [];
    trend.setOption({
      tooltip: { trigger: "axis" }, legend: { data: codes.map(function (c) { return names[c] || c; }) },
      xAxis: { type: "category", data: periods }, yAxis: { type: "value", min: 0, max: 100, name: "%" },
      series: codes.map(function (c) {
        return { name: names[c] || c, type: "line", connectNulls: false,
                 data: data.trend[c].map(function (p) { return pct(p.value); }) };
      })
    });
  }
  var ranking = chart("chart-ranking");
  if (ranking) {
    var rows = data.ranking.slice().reverse();
    ranking.setOption({
      tooltip: {}, grid: { left: 120 }, xAxis: { type: "value", min: 0, max: 100 },
      yAxis: { type: "category", data: rows.map(function (r) { return r.name; }) },
      series: [{ type: "bar", data: rows.map(function (r) { return r.score; }), label: { show: true, position: "right" } }]
    });
  }
  var map = chart("chart-map");
  if (map) {
    if (data.map.geojson) {
      echarts.registerMap("assess-towns", data.map.geojson);
      map.setOption({
        tooltip: { trigger: "item" },
        visualMap: { min: 0, max: 100, left: "left", text: ["100", "0"], calculable: true,
                     inRange: { color: ["#d94e5d", "#eac736", "#50a3ba"] } },
        series: [{ type: "map", map: "assess-towns", roam: true, data: data.map.values }]
      });
    } else {
      map.setOption({ title: { text: "暂无乡镇边界数据", left: "center", top: "middle", textStyle: { fontSize: 14 } } });
    }
  }
  var grades = chart("chart-grades");
  if (grades) {
    var letters = ["A", "B", "C", "D", "E"];
    var groups = { towns: "乡镇", units: "承办单位", grid_workers: "网格员" };
    grades.setOption({
      tooltip: { trigger: "axis" }, legend: {}, xAxis: { type: "category", data: letters }, yAxis: { type: "value" },
      series: Object.keys(groups).map(function (k) {
        return { name: groups[k], type: "bar", data: letters.map(function (l) { return data.grades[k][l] || 0; }) };
      })
    });
  }
  window.addEventListener("resize", function () {
    [trend, ranking, map, grades].forEach(function (c) { if (c) { c.resize(); } });
  });
})();
