// Shared map layers for the grid pages (Leaflet, vendored). Nothing is loaded from outside the
// platform: the base-map tiles only when the deployment configures MAP_TILE_URL (the page's
// <body data-map-tiles>, e.g. 天地图 on the government network), otherwise none.
//   GridMaps.base(map)                         the deployment's tile layer, if any
//   GridMaps.boundaries(map, code, options)    county / town / village boundary layers of a division
(function () {
  "use strict";
  var STYLES = {
    city: {color: "#111827", weight: 3, fill: false},
    county: {color: "#7f1d1d", weight: 2.5, fill: false},
    town: {color: "#374151", weight: 1.6, fill: false, dashArray: null},
    village: {color: "#6b7280", weight: 0.8, fill: false, dashArray: "3 3"}
  };
  var NAMES = {city: "市界", county: "县（市、区）界", town: "镇（街道）界", village: "村（社区）界"};

  function base(map) {
    var url = document.body.dataset.mapTiles;
    if (url) { L.tileLayer(url, {maxZoom: 19}).addTo(map); }
  }

  // Fetches /api/grids/boundaries/?division=code and adds one layer per level, with a layer
  // switch (villages start hidden above options.maxVillages, 400). Resolves to the layers by
  // level. options.fit: fit the map to the division's outline.
  function boundaries(map, code, options) {
    options = options || {};
    var url = "/api/grids/boundaries/" + (code ? "?division=" + encodeURIComponent(code) : "");
    return fetch(url, {credentials: "same-origin"}).then(function (r) { return r.json(); }).then(function (fc) {
      var byLevel = {};
      (fc.features || []).forEach(function (f) {
        var level = f.properties.level;
        (byLevel[level] = byLevel[level] || []).push(f);
      });
      var layers = {}, control = {};
      var pane = map.getPane("boundaries") || map.createPane("boundaries");
      pane.style.zIndex = 450; pane.style.pointerEvents = "none";
      ["village", "town", "county", "city"].forEach(function (level) {
        if (!byLevel[level]) { return; }
        var style = Object.assign({pane: "boundaries", interactive: false}, STYLES[level]);
        layers[level] = L.geoJSON({type: "FeatureCollection", features: byLevel[level]}, {style: function () { return style; }});
        control[NAMES[level]] = layers[level];
      });
      // all levels drawn, but a city's ~1,400 villages only on request (the layer switch)
      Object.keys(layers).forEach(function (level) {
        if (level !== "village" || byLevel.village.length <= (options.maxVillages || 400)) { layers[level].addTo(map); }
      });
      if (Object.keys(control).length) { L.control.layers(null, control, {collapsed: true}).addTo(map); }
      var own = (fc.features || []).filter(function (f) { return f.properties.code === code; })[0];
      if (options.fit && own) { map.fitBounds(L.geoJSON(own).getBounds()); }
      map.getContainer().dataset.boundaries = (fc.features || []).length;
      return layers;
    });
  }

  window.GridMaps = {base: base, boundaries: boundaries};
}());
