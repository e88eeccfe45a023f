// Striper's dashboard: one EventSource on /api/events delivers the proxy's status once a second (the same JSON as
// /api/status); this script keeps 60 s of per-substream rates for the chart and redraws the tables. No library, no build.
"use strict";

const HISTORY = 60;
const COLORS = ["#3b82f6", "#ef4444", "#10b981", "#f59e0b", "#8b5cf6", "#ec4899", "#14b8a6", "#f97316",
  "#6366f1", "#84cc16", "#06b6d4", "#a855f7", "#22c55e", "#eab308", "#0ea5e9", "#d946ef"];
const history = [];  // one entry per sample: rates per substream index, summed over connections
const token = new URLSearchParams(location.search).get("token");
const query = token ? "?token=" + encodeURIComponent(token) : "";

function bytes(n) {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
  return (i === 0 ? n.toFixed(0) : n.toFixed(1)) + " " + units[i];
}

function rate(n) { return (n * 8 / 1e6).toFixed(n * 8 >= 1e9 ? 0 : 1) + " Mbit/s"; }

function age(seconds) {
  const s = Math.floor(seconds), h = Math.floor(s / 3600), m = Math.floor(s / 60) % 60;
  return (h > 0 ? h + "h" : "") + String(m).padStart(h > 0 ? 2 : 1, "0") + "m" + String(s % 60).padStart(2, "0") + "s";
}

function text(id, value) { document.getElementById(id).textContent = value; }

function cell(row, value, className) {
  const td = row.insertCell();
  td.textContent = value;
  if (className) td.className = className;
  return td;
}

function render(status) {
  text("role", status.role + " proxy");
  text("route", status.listen + " → " + status.remote + " · up " + age(status.uptimeSeconds)
    + (status.tcpCongestionControl ? " · TCP congestion control " + status.tcpCongestionControl : ""));
  text("connection-state", "live · " + new Date(status.time).toLocaleTimeString());
  text("sessions", status.sessionsActive + " open · " + status.sessionsOpened + " opened");
  text("rate-out", rate(status.rateOut)); text("bytes-out", bytes(status.bytesOut) + " in all");
  text("rate-in", rate(status.rateIn)); text("bytes-in", bytes(status.bytesIn) + " in all");
  text("repairs", bytes(status.resentBytes) + " · " + status.substreamsLost + " · " + status.redials);
  text("buffers", bytes(status.bufferInUse) + " of " + bytes(status.bufferLimit));
  document.getElementById("buffer-meter").value = status.bufferLimit > 0 ? status.bufferInUse / status.bufferLimit : 0;

  const sample = [];
  for (const c of status.connections) {
    for (const s of c.substreams) sample[s.index] = (sample[s.index] || 0) + s.rate;
  }
  history.push(sample);
  if (history.length > HISTORY) history.shift();
  drawChart();
  renderConnections(status.connections);
}

function renderConnections(connections) {
  const host = document.getElementById("connections");
  host.replaceChildren();
  if (connections.length === 0) {
    const p = document.createElement("p"); p.className = "muted"; p.textContent = "no connection open"; host.append(p);
    return;
  }
  for (const c of connections) {
    const head = document.createElement("p");
    head.className = "connection-head";
    head.dataset.connection = c.id;
    head.textContent = c.peer + " → " + c.target + " · " + age(c.ageSeconds) + " · out " + bytes(c.bytesOut) + " at " + rate(c.rateOut)
      + " · in " + bytes(c.bytesIn) + " at " + rate(c.rateIn) + " · resent " + bytes(c.resentBytes);
    const table = document.createElement("table");
    const header = table.createTHead().insertRow();
    // MSP substreams add their stream's own model of the path (TCP rows leave those cells empty).
    const msp = c.substreams.some(s => s.msp);
    const names = ["substream", "transport", "state", "rtt", "delivery rate", "in flight", "share", "rate now", "", "redials"];
    if (msp) names.push("msp congestion control", "bandwidth", "min rtt", "cwnd", "pacing", "loss");
    for (const name of names) {
      const th = document.createElement("th"); th.textContent = name;
      if (name === "transport" || name === "state" || name === "msp congestion control") th.className = "text";
      header.append(th);
    }
    const body = table.createTBody();
    const top = Math.max(1, ...c.substreams.map(s => s.rate));
    for (const s of c.substreams) {
      const row = body.insertRow();
      row.dataset.substream = s.index;
      row.dataset.substreamRate = s.rate.toFixed(0);
      cell(row, String(s.index));
      cell(row, s.transport, "text");
      cell(row, s.state, "text state-" + s.state);
      cell(row, s.rttMilliseconds == null ? "–" : s.rttMilliseconds.toFixed(1) + " ms");
      cell(row, rate(s.deliveryRate));
      cell(row, bytes(s.inFlight));
      cell(row, (s.share * 100).toFixed(0) + " %");
      cell(row, rate(s.rate));
      const bar = document.createElement("span");
      bar.className = "bar"; bar.style.width = Math.round(80 * s.rate / top) + "px";
      bar.style.background = COLORS[s.index % COLORS.length];
      cell(row, "", "text").append(bar);
      cell(row, String(s.redials));
      if (msp) mspCells(row, s.msp);
    }
    host.append(head, table);
  }
}

function mspCells(row, m) {
  if (!m) { for (let i = 0; i < 6; i++) cell(row, ""); return; }
  row.dataset.mspBandwidth = m.estimatedBandwidth.toFixed(0);
  cell(row, m.congestionControl + " " + m.phase, "text");
  cell(row, rate(m.estimatedBandwidth));
  cell(row, m.minRttMilliseconds == null ? "–" : m.minRttMilliseconds.toFixed(1) + " ms");
  cell(row, m.congestionWindow.toFixed(0));
  cell(row, m.pacingRate == null ? "–" : rate(m.pacingRate));
  cell(row, (m.lossRate * 100).toFixed(2) + " %");
}

function drawChart() {
  const canvas = document.getElementById("chart");
  canvas.dataset.samples = history.length;
  const ctx = canvas.getContext("2d");
  const w = canvas.width, h = canvas.height, pad = 40;
  ctx.clearRect(0, 0, w, h);
  const indices = Math.max(0, ...history.map(s => s.length));
  let top = 1;
  for (const s of history) for (const v of s) if (v > top) top = v;
  ctx.strokeStyle = "#8884"; ctx.fillStyle = "#888"; ctx.font = "11px system-ui";
  for (let i = 0; i <= 4; i++) {
    const y = h - pad / 2 - (h - pad) * i / 4;
    ctx.beginPath(); ctx.moveTo(pad, y); ctx.lineTo(w - 4, y); ctx.stroke();
    ctx.fillText(rate(top * i / 4).replace(" Mbit/s", ""), 2, y + 4);
  }
  ctx.fillText("Mbit/s", 2, 12);
  for (let index = 0; index < indices; index++) {
    ctx.strokeStyle = COLORS[index % COLORS.length]; ctx.lineWidth = 2; ctx.beginPath();
    history.forEach((s, i) => {
      const x = pad + (w - pad - 4) * (i + HISTORY - history.length) / (HISTORY - 1);
      const y = h - pad / 2 - (h - pad) * (s[index] || 0) / top;
      if (i === 0) ctx.moveTo(x, y); else ctx.lineTo(x, y);
    });
    ctx.stroke();
  }
  const legend = document.getElementById("legend");
  legend.replaceChildren(...Array.from({ length: indices }, (_, index) => {
    const span = document.createElement("span");
    const swatch = document.createElement("i"); swatch.style.background = COLORS[index % COLORS.length];
    span.append(swatch, "substream " + index);
    return span;
  }));
}

function connect() {
  const events = new EventSource("api/events" + query);
  events.onmessage = e => render(JSON.parse(e.data));
  events.onerror = () => text("connection-state", "proxy not answering; retrying…");
}

fetch("api/status" + query).then(r => r.ok ? r.json() : null).then(s => { if (s) render(s); }).finally(connect);
