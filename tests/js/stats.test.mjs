// The posterior panel's numbers: normalised weights, effective sample size, the bound chart's layout.
import assert from "node:assert/strict";
import { test } from "node:test";

import { boundEntries, boundsLayout, boundsSummary, CHART, posteriorWeights } from "../../static/js/stats.js";

test("weights are normalised and ordered heaviest first", () => {
  const { weights, order, max, ess } = posteriorWeights([{ weight: 1 }, { weight: 3 }, { weight: 0 }]);
  assert.deepEqual(weights, [0.25, 0.75, 0]);
  assert.deepEqual(order, [1, 0, 2]);
  assert.equal(max, 0.75);
  assert.ok(Math.abs(ess - 1 / (0.25 ** 2 + 0.75 ** 2)) < 1e-12);
});

test("equal weights give an effective sample size of n; one dominant weight gives 1", () => {
  assert.ok(Math.abs(posteriorWeights(Array(16).fill({ weight: 0.2 })).ess - 16) < 1e-9);
  assert.equal(posteriorWeights([{ weight: 5 }, { weight: 0 }, { weight: 0 }]).ess, 1);
});

test("bounds become sorted numeric entries without the unreadable ones", () => {
  assert.deepEqual(boundEntries({ 5000: -85.1, 1: "-90.5", 50: -86, x: 1, 10: null, 20: "", 30: true, 100: "NaN" }), [
    [1, -90.5],
    [50, -86],
    [5000, -85.1],
  ]);
  assert.deepEqual(boundEntries(null), []);
  assert.equal(boundsSummary([[1, -90.5], [50, -86]]), "k = 1: −90.50, k = 50: −86.00");
});

test("the chart spans the plot area: first k at the left edge, last at the right, higher bounds higher", () => {
  const entries = [[1, -90], [10, -88], [100, -87]];
  const layout = boundsLayout(entries);
  assert.equal(layout.width, CHART.width);
  assert.equal(layout.dots.length, 3);
  assert.equal(layout.dots[0].x, CHART.left);
  assert.equal(layout.dots[2].x, CHART.width - CHART.right);
  assert.ok(layout.dots[0].y > layout.dots[1].y && layout.dots[1].y > layout.dots[2].y);
  assert.match(layout.path, /^M56\.0,[\d.]+ L[\d.]+,[\d.]+ L346\.0,[\d.]+$/);
  assert.deepEqual(layout.kLabels.map((l) => l.label), ["1", "10", "100"]);
  assert.equal(layout.grid.length, 5);
  assert.ok(layout.grid.every((g) => g.y >= CHART.top && g.y <= CHART.height - CHART.bottom));
});

test("a single measurement or a flat line still gets a readable chart", () => {
  const one = boundsLayout([[1, -90]]);
  assert.equal(one.dots[0].x, CHART.left);
  assert.ok(Number.isFinite(one.dots[0].y));
  const flat = boundsLayout([[1, -90], [10, -90]]);
  assert.equal(flat.grid[0].label, "−90.5"); // half a nat of room below a flat line
  assert.equal(flat.grid[4].label, "−89.5");
});
