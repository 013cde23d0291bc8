'use strict';
// Synthesizes Kubernetes objects with cdk8s, in Node, for servespec (servespec.build.cdk8s_runtime).
//
//   node cdk8s_host.js NODE_MODULES [--all]
//
// Reads one object per line on standard input, `[tree, chart]<TAB>object` (JSON, the object's keys sorted),
// and defines each, as it arrives, as a cdk8s ApiObject in Chart `chart` of App `tree`. A line [] ends a
// group (servespec sends one per model): each chart of the group is then synthesized (Chart.toJson()) and
// the group's constructs are dropped, so synthesis keeps pace with the input and holds one group at a time;
// the end of the input ends the last group. Every synthesized object that is not exactly the object
// defined is kept: one whose JSON (keys sorted) is not the very text it was defined from; with --all,
// every object is. When the input ends, the kept objects are written, one JSON array [tree, object] per
// line in the order of the groups, their charts and objects, then a last line [count] with the number of
// objects synthesized. An error ends the process (exit 1) with the first line of its message on standard
// error.
const path = require('path');
const readline = require('readline');
const { ApiObject, App, Chart } = require(path.join(process.argv[2], 'cdk8s'));

const everything = process.argv[3] === '--all';
const kept = [];
let count = 0;
let group = new Map();

function chartOf(tree, id) {
  let charts = group.get(tree);
  if (charts === undefined) {
    charts = { app: new App(), byId: new Map(), inputs: new Map() };
    group.set(tree, charts);
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

// cdk8s writes apiVersion, kind and metadata first and sorts every other key (lib/api-object.js toJson,
// lib/_util.js sanitizeValue); sorting the top level too gives the sender's order. Equal text means equal
// type and value; any other difference (a dropped null, a number written otherwise, integer-like keys,
// which JavaScript orders first) keeps the object, to be compared by the sender.
function sortedText(object) {
  const sorted = {};
  for (const key of Object.keys(object).sort()) sorted[key] = object[key];
  return JSON.stringify(sorted);
}

function failed(error) {
  process.stderr.write(`${error && error.message ? error.message : error}`.split('\n')[0] + '\n');
  process.exit(1);
}

function endGroup() {
  for (const [tree, charts] of group) {
    for (const chart of charts.byId.values()) {
      for (const object of chart.toJson()) {
        count += 1;
        const text = charts.inputs.get(identity(object));
        if (text === undefined || sortedText(object) !== text) {
          kept.push(JSON.stringify([tree, object]));
        }
      }
    }
  }
  group = new Map();
}

const input = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
input.on('line', (line) => {
  try {
    if (line === '[]') {
      endGroup();
      return;
    }
    const tab = line.indexOf('\t');
    const [tree, chartId] = JSON.parse(line.slice(0, tab));
    const text = line.slice(tab + 1);
    const object = JSON.parse(text);
    const chart = chartOf(tree, chartId);
    if (!everything) group.get(tree).inputs.set(identity(object), text);
    new ApiObject(chart, `${object.kind}-${object.metadata.name}`, object);
  } catch (error) {
    failed(error);
  }
});
input.on('close', () => {
  try {
    endGroup();
  } catch (error) {
    failed(error);
  }
  kept.push(JSON.stringify([count]));
  process.stdout.write(kept.join('\n') + '\n');
});
