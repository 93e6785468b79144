// The event page's map: the event's point over the division boundaries (Leaflet, vendored; the
// base-map tiles only when the deployment configures MAP_TILE_URL, see grids/maps.js).
(function () {
  "use strict";
  var el = document.getElementById("eventmap");
  if (!el || !window.L) { return; }
  var point = [parseFloat(el.dataset.lat), parseFloat(el.dataset.lng)];
  var map = L.map(el, {attributionControl: false}).setView(point, 16);
  GridMaps.base(map);
  L.circleMarker(point, {radius: 9, color: "#b91c1c", weight: 3, fillColor: "#ef4444", fillOpacity: 0.8})
    .addTo(map).bindTooltip("事件位置");
  if (el.dataset.division) { GridMaps.boundaries(map, el.dataset.division); }
  el.dataset.ready = "1";
}());
