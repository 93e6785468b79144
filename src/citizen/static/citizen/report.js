// Citizen report page (/report/): a tap on the map (or the phone's position) fills the hidden
// lat/lng fields; "其他问题" shows the class search. Leaflet is vendored; the base map is drawn
// only where the deployment configures MAP_TILE_URL (<body data-map-tiles>), the county and town
// outlines come from the platform (/report/outlines.geojson).
(function () {
  "use strict";
  var form = document.getElementById("report-form");
  if (!form) { return; }
  var other = document.getElementById("other-class");
  form.querySelectorAll("input[name=problem]").forEach(function (radio) {
    radio.addEventListener("change", function () { other.hidden = radio.value !== "other" || !radio.checked; });
  });

  var el = document.getElementById("reportmap");
  var lat = document.getElementById("id_lat"), lng = document.getElementById("id_lng");
  var text = document.getElementById("position-text");
  if (!el || !window.L) { return; }
  var map = L.map(el, {attributionControl: false});
  window.CitizenReportMap = map;  // for the browser test and for debugging
  var tiles = document.body.dataset.mapTiles;
  if (tiles) { L.tileLayer(tiles, {maxZoom: 19}).addTo(map); }
  map.setView([32.40, 119.42], 9);
  var marker = null;

  function place(la, ln, pan) {
    lat.value = la.toFixed(6);
    lng.value = ln.toFixed(6);
    if (marker) { marker.setLatLng([la, ln]); } else { marker = L.circleMarker([la, ln], {radius: 9, color: "#b91c1c", weight: 3, fillOpacity: 0.5}).addTo(map); }
    if (pan) { map.setView([la, ln], Math.max(map.getZoom(), 15)); }
    text.textContent = "已选位置：" + lat.value + ", " + lng.value;
  }

  if (lat.value && lng.value) { place(parseFloat(lat.value), parseFloat(lng.value), true); }
  map.on("click", function (e) { place(e.latlng.lat, e.latlng.lng, false); });

  fetch(el.dataset.outlines).then(function (r) { return r.json(); }).then(function (fc) {
    var layer = L.geoJSON(fc, {interactive: false, style: function (f) {
      return f.properties.level === "county" ? {color: "#7f1d1d", weight: 2.5, fill: false}
                                              : {color: "#374151", weight: 1.2, fill: false, dashArray: "4 3"};
    }}).addTo(map);
    if (!marker && layer.getBounds().isValid()) { map.fitBounds(layer.getBounds()); }
    el.dataset.ready = "1";
  }).catch(function () { el.dataset.ready = "1"; });

  var locate = document.getElementById("locate-me");
  if (!navigator.geolocation) { locate.hidden = true; return; }
  locate.addEventListener("click", function () {
    text.textContent = "正在获取当前位置…";
    navigator.geolocation.getCurrentPosition(function (p) {
      place(p.coords.latitude, p.coords.longitude, true);
    }, function () {
      text.textContent = "无法获取当前位置，请在地图上点选，或填写地址";
    }, {enableHighAccuracy: true, timeout: 15000});
  });
}());
