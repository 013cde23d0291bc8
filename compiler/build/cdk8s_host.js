'use strict';
// Synthesizes Kubernetes objects with cdk8s, in Node, for servespec (servespec.build.cdk8s_runtime).
//
//   node cdk8s_host.js NODE_MODULES
//
// Reads one JSON array [tree, chart, object] per line on standard input and defines each object, as it
// arrives, as a cdk8s ApiObject in Chart `chart` of App `tree`. When the input ends it writes what cdk8s
// synthesizes for each chart (Chart.toJson()), one JSON array [tree, object] per line, in the order the
// charts and their objects were defined. An error ends the process (exit 1) with the first line of its
// message on standard error.
const path = require('path');
const readline = require('readline');
const { ApiObject, App, Chart } = require(path.join(process.argv[2], 'cdk8s'));

const apps = new Map();

function chartOf(tree, id) {
  let charts = apps.get(tree);
  if (charts === undefined) {
    charts = { app: new App(), byId: new Map() };
    apps.set(tree, charts);
  }
  let chart = charts.byId.get(id);
  if (chart === undefined) {
    chart = new Chart(charts.app, id, { disableResourceNameHashes: true });
    charts.byId.set(id, chart);
  }
  return chart;
}

function failed(error) {
  process.stderr.write(`${error && error.message ? error.message : error}`.split('\n')[0] + '\n');
  process.exit(1);
}

const input = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
input.on('line', (line) => {
  try {
    const [tree, chartId, object] = JSON.parse(line);
    new ApiObject(chartOf(tree, chartId), `${object.kind}-${object.metadata.name}`, object);
  } catch (error) {
    failed(error);
  }
});
input.on('close', () => {
  const lines = [];
  try {
    for (const [tree, charts] of apps) {
      for (const chart of charts.byId.values()) {
        for (const object of chart.toJson()) {
          lines.push(JSON.stringify([tree, object]));
        }
      }
    }
  } catch (error) {
    failed(error);
  }
  process.stdout.write(lines.length ? lines.join('\n') + '\n' : '');
});
