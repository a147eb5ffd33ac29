// The demo page: plain DOM, no libraries, nothing from the network but this server's API.
// User text only ever reaches the page through textContent, never innerHTML.
"use strict";

const $ = (id) => document.getElementById(id);
let requestTasks = [];

async function api(path, body) {
  const res = await fetch(path, body === undefined ? {} : {
    method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify(body)
  });
  const data = await res.json();
  if (!res.ok) throw new Error(data.error || ("HTTP " + res.status));
  return data;
}

function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

function status(id, text, isError) {
  const s = $(id);
  s.textContent = text;
  s.classList.toggle("error", !!isError);
}

// A stable pastel colour per entity type (displaCy uses a fixed palette; a hash keeps any label set readable).
function colour(label) {
  let h = 0;
  for (const ch of label) h = (h * 31 + ch.codePointAt(0)) >>> 0;
  return "hsl(" + (h % 360) + ", 70%, 84%)";
}

// Entity offsets in the JSON count Unicode code points (Python's convention), so slice an array of
// code points, not the UTF-16 string: "😀" is one position there and two in a JS string.
function highlight(text, entities) {
  const chars = Array.from(text);
  const out = el("div", "entities");
  let at = 0;
  for (const e of [...entities].sort((a, b) => a.start - b.start)) {
    if (e.start < at) continue; // never overlap (BIO decoding does not produce overlaps)
    out.appendChild(document.createTextNode(chars.slice(at, e.start).join("")));
    const mark = el("mark", "entity", chars.slice(e.start, e.end).join(""));
    mark.style.background = colour(e.label);
    mark.dataset.label = e.label;
    mark.title = e.label + " · confidence " + (100 * e.score).toFixed(1) + "%";
    mark.appendChild(el("span", "entity-label", e.label));
    out.appendChild(mark);
    at = e.end;
  }
  out.appendChild(document.createTextNode(chars.slice(at).join("")));
  return out;
}

function nerResults(p) {
  if (p.entities) return [{task: null, entities: p.entities}];
  if (p.ner) return Object.entries(p.ner).map(([task, r]) => ({task, entities: r.entities}));
  return [];
}

function renderEntities(p) {
  const box = $("entities");
  box.replaceChildren();
  const results = nerResults(p);
  $("entities-block").hidden = results.length === 0;
  for (const r of results) {
    if (r.task) box.appendChild(el("div", "ner-task", r.task));
    box.appendChild(highlight(p.text, r.entities));
    if (r.entities.length === 0) box.appendChild(el("div", "no-entities", "no entities found"));
  }
}

function renderClasses(p) {
  const box = $("classes");
  box.replaceChildren();
  const tasks = Object.entries(p.classification || {});
  $("classes-block").hidden = tasks.length === 0;
  for (const [task, c] of tasks) {
    const t = el("div", "cls-task");
    t.dataset.task = task;
    const head = el("div", "cls-head");
    head.appendChild(el("span", "cls-name", task));
    for (const label of (c.labels || [c.label])) head.appendChild(el("span", "cls-label", label));
    if (c.labels && c.labels.length === 0) head.appendChild(el("span", "cls-name", "(no label over the threshold)"));
    t.appendChild(head);
    const top = Object.entries(c.scores).sort((a, b) => b[1] - a[1]).slice(0, 5);
    for (const [label, score] of top) {
      const row = el("div", "bar-row" + (label === c.label ? " top" : ""));
      row.appendChild(el("span", "bar-name", label));
      const bar = el("div", "bar");
      const fill = el("div", "bar-fill");
      fill.style.width = (100 * score).toFixed(1) + "%";
      bar.appendChild(fill);
      row.appendChild(bar);
      row.appendChild(el("span", "bar-value", (100 * score).toFixed(1) + "%"));
      t.appendChild(row);
    }
    box.appendChild(t);
  }
}

async function analyse() {
  if (requestTasks.length === 0) { $("no-heads").hidden = false; return; }
  const button = $("analyse");
  button.disabled = true;
  status("status", "running…");
  try {
    const t0 = performance.now();
    const data = await api("/v1/predict", {texts: [$("text").value], tasks: requestTasks});
    const p = data.predictions[0];
    renderEntities(p);
    renderClasses(p);
    $("results").hidden = false;
    status("status", Math.round(performance.now() - t0) + " ms");
  } catch (e) {
    status("status", e.message, true);
  } finally {
    button.disabled = false;
  }
}

async function compare() {
  const button = $("compare");
  button.disabled = true;
  status("sim-status", "running…");
  try {
    const data = await api("/v1/embeddings", {input: [$("sim-a").value, $("sim-b").value]});
    const [a, b] = data.data.map((d) => d.embedding);
    let dot = 0, na = 0, nb = 0;
    for (let i = 0; i < a.length; i++) { dot += a[i] * b[i]; na += a[i] * a[i]; nb += b[i] * b[i]; }
    const cos = dot / (Math.sqrt(na * nb) || 1);
    $("sim-value").textContent = cos.toFixed(4);
    $("sim-bar").style.width = (100 * Math.max(0, cos)).toFixed(1) + "%";
    $("similarity").hidden = false;
    status("sim-status", data.usage.total_tokens + " tokens");
  } catch (e) {
    status("sim-status", e.message, true);
  } finally {
    button.disabled = false;
  }
}

async function init() {
  $("analyse").addEventListener("click", analyse);
  $("compare").addEventListener("click", compare);
  $("text").addEventListener("keydown", (e) => { if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) analyse(); });
  try {
    const m = await api("/v1/model");
    requestTasks = m.available_tasks.filter((t) => t !== "embedding");
    const heads = Object.keys(m.tasks);
    $("model-info").textContent = m.backbone + " · " + m.embedding_dimension + "-d"
        + (heads.length ? " · heads: " + heads.join(", ") : " · embedding only");
    $("no-heads").hidden = requestTasks.length > 0;
    document.body.dataset.ready = "true";
  } catch (e) {
    $("model-info").textContent = "model info unavailable: " + e.message;
  }
}

init();
