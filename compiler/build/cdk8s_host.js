'use strict';
// Synthesizes Kubernetes objects with cdk8s, in Node, for servespec (servespec.build.cdk8s_runtime).
//
//   node cdk8s_host.js NODE_MODULES [--all]
//
// Reads one JSON array [tree, chart, exact, object] per line on standard input and defines each object, as
// it arrives, as a cdk8s ApiObject in Chart `chart` of App `tree`. When the input ends it synthesizes each
// chart (Chart.toJson()) and writes, one JSON array [tree, object] per line in the order of the charts and
// their objects, every synthesized object that is not exactly the object defined: one that differs in
// value (keys in any order) from a fresh parse of its input line, or whose input the sender marked as not
// `exact` (JSON numbers it holds may not survive the trip). With --all it writes every object. A last line
// [count] gives the number of objects synthesized. An error ends the process (exit 1) with the first line
// of its message on standard error.
const path = require('path');
const readline = require('readline');
const { ApiObject, App, Chart } = require(path.join(process.argv[2], 'cdk8s'));

const everything = process.argv[3] === '--all';
const apps = new Map();

function chartOf(tree, id) {
  let charts = apps.get(tree);
  if (charts === undefined) {
    charts = { app: new App(), byId: new Map(), inputs: new Map() };
    apps.set(tree, charts);
  }
  let chart = charts.byId.get(id);
  if (chart === undefined) {
    chart = new Chart(charts.app, id, { disableResourceNameHashes: true });
    charts.byId.set(id, chart);
  }
  return chart;
}

function identity(object) {
  const metadata = object.metadata || {};
  return JSON.stringify([object.apiVersion, object.kind, metadata.namespace ?? null, metadata.name ?? null]);
}

function equal(a, b) {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) return a.length === b.length && a.every((item, index) => equal(item, b[index]));
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length
    && keys.every((key) => Object.prototype.hasOwnProperty.call(b, key) && equal(a[key], b[key]));
}

function failed(error) {
  process.stderr.write(`${error && error.message ? error.message : error}`.split('\n')[0] + '\n');
  process.exit(1);
}

const input = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
input.on('line', (line) => {
  try {
    const [tree, chartId, exact, object] = JSON.parse(line);
    const chart = chartOf(tree, chartId);
    if (exact && !everything) apps.get(tree).inputs.set(identity(object), line);
    new ApiObject(chart, `${object.kind}-${object.metadata.name}`, object);
  } catch (error) {
    failed(error);
  }
});
input.on('close', () => {
  const lines = [];
  let count = 0;
  try {
    for (const [tree, charts] of apps) {
      for (const chart of charts.byId.values()) {
        for (const object of chart.toJson()) {
          count += 1;
          const line = charts.inputs.get(identity(object));
          if (line === undefined || !equal(JSON.parse(line)[3], object)) {
            lines.push(JSON.stringify([tree, object]));
          }
        }
      }
    }
  } catch (error) {
    failed(error);
  }
  lines.push(JSON.stringify([count]));
  process.stdout.write(lines.join('\n') + '\n');
});
