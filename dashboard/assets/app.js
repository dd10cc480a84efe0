// The dashboard's page: fetches every view under /api/ and the pipeline,
// draws them (uPlot for time, DOM bars for rankings, tables), and does it
// again every refresh_ms (from /api/pipeline). Each figure shown keeps the
// API's own text in data-value, so a test can compare the page with the API.
// Shapes read (views.h): money is a decimal string; each list view answers
// an object holding one array of rows.
"use strict";
(function () {
  var refreshMs = 2000;
  var timer = null;
  var revenueChart = null;
  var $ = function (id) { return document.getElementById(id); };

  function rows(obj) {
    if (Array.isArray(obj)) return obj;
    for (var k in obj) if (Array.isArray(obj[k])) return obj[k];
    return [];
  }
  function money(s) {
    var n = Number(s);
    if (!isFinite(n)) return "–";
    return "£" + n.toLocaleString("en-GB", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  }
  function int(n) { return n === null || n === undefined ? "–" : Number(n).toLocaleString("en-GB"); }
  function ms(n) {
    if (n === null || n === undefined) return "–";
    return n < 1000 ? n + " ms" : (n / 1000).toFixed(1) + " s";
  }
  function timeMs(t) { return typeof t === "number" ? t : Date.parse(t); }
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function cell(tr, text, cls, value) {
    var td = el("td", cls, text);
    if (value !== undefined) td.setAttribute("data-value", value);
    tr.appendChild(td);
    return td;
  }
  function setValue(id, text, value) {
    var e = $(id);
    e.textContent = text;
    e.setAttribute("data-value", value === undefined || value === null ? "" : String(value));
  }

  function query(extra) {
    var p = new URLSearchParams();
    var range = Number($("range").value);
    if (range > 0) p.set("from", String(Date.now() - range));
    var dc = $("dc").value.trim();
    if (dc && $("dc").checkValidity()) p.set("dc", dc);
    for (var k in extra || {}) p.set(k, extra[k]);
    var s = p.toString();
    return s ? "?" + s : "";
  }

  function get(path) {
    return fetch(path, { cache: "no-store" }).then(function (r) {
      return r.json().then(function (body) {
        if (!r.ok) throw new Error(path + ": " + (body && body.error ? body.error : r.status));
        return body;
      });
    });
  }

  function drawKpis(k) {
    setValue("kpi-revenue", money(k.revenue), k.revenue);
    setValue("kpi-orders", int(k.orders), k.orders);
    setValue("kpi-units", int(k.units), k.units);
    setValue("kpi-aov", money(k.average_order_value), k.average_order_value);
  }

  function drawRevenue(body) {
    var list = rows(body);
    var xs = [], rev = [], orders = [];
    list.forEach(function (m) {
      xs.push(timeMs(m.minute) / 1000);
      rev.push(Number(m.revenue));
      orders.push(Number(m.orders));
    });
    var box = $("chart-revenue");
    box.setAttribute("data-points", String(list.length));
    box.setAttribute("data-revenue-total", rev.reduce(function (a, b) { return a + b; }, 0).toFixed(2));
    var data = [xs, rev, orders];
    if (!revenueChart) {
      revenueChart = new uPlot({
        width: box.clientWidth || 760,
        height: 180,
        series: [
          {},
          { label: "revenue £", stroke: "#1f6feb", width: 2, fill: "rgba(31,111,235,0.08)", value: function (u, v) { return v === null ? "–" : money(v); } },
          { label: "orders", stroke: "#e36209", width: 2, scale: "orders" },
        ],
        axes: [{}, { label: "£/min", size: 60 }, { side: 1, scale: "orders", grid: { show: false }, label: "orders/min" }],
        scales: { x: { time: true } },
      }, data, box);
    } else {
      revenueChart.setData(data);
    }
  }

  function drawBars(id, list, label, valueKey, format) {
    var box = $(id);
    var max = 0;
    list.forEach(function (r) { max = Math.max(max, Math.abs(Number(r[valueKey]))); });
    box.textContent = "";
    box.setAttribute("data-rows", String(list.length));
    list.forEach(function (r) {
      var v = Number(r[valueKey]);
      var bar = el("div", "bar");
      bar.setAttribute("data-value", String(r[valueKey]));
      bar.appendChild(el("span", "label", label(r)));
      var track = el("span", "track");
      var fill = el("span", v < 0 ? "fill neg" : "fill");
      fill.style.width = (max > 0 ? (Math.abs(v) / max) * 100 : 0).toFixed(1) + "%";
      fill.style.display = "block";
      track.appendChild(fill);
      bar.appendChild(track);
      bar.appendChild(el("span", "amount", format(r[valueKey])));
      box.appendChild(bar);
    });
  }

  function fillTable(id, list, fn) {
    var body = $(id).tBodies[0];
    body.textContent = "";
    list.forEach(function (r) {
      var tr = el("tr");
      fn(tr, r);
      body.appendChild(tr);
    });
  }

  function drawPipeline(p) {
    if (p.refresh_ms && p.refresh_ms !== refreshMs) {
      refreshMs = p.refresh_ms;
    }
    var lat = p.end_to_end_ms;
    setValue("kpi-latency", ms(lat), lat);
    fillTable("pipeline", p.stages || [], function (tr, s) {
      tr.setAttribute("data-stage", s.stage);
      if (s.state === "stalled" || s.state === "down") tr.className = "bad";
      var name = cell(tr, s.title);
      if (s.why) name.title = s.why;
      cell(tr, int(s.count), "num", s.count);
      cell(tr, s.rate === null ? "–" : s.rate.toFixed(1), "num", s.rate);
      var lag = cell(tr, int(s.lag), "num", s.lag);
      if (s.lag_unit) lag.title = s.lag_unit;
      cell(tr, ms(s.latency_ms), "num", s.latency_ms);
      var st = cell(tr, "");
      st.appendChild(el("span", "state state-" + s.state, s.state));
    });
    var bad = (p.stages || []).filter(function (s) { return s.state === "stalled" || s.state === "down"; });
    $("pipeline-alert").textContent = bad.map(function (s) { return s.stage + " " + s.state + (s.why ? ": " + s.why : ""); }).join("; ");
  }

  function refresh() {
    var q = query();
    var by = $("by").value;
    var jobs = [
      get("/api/kpis" + q).then(drawKpis),
      get("/api/revenue_per_minute" + q).then(drawRevenue),
      get("/api/products" + query({ top: "8", by: by })).then(function (b) {
        drawBars("bars-products", rows(b), function (r) { return r.name || "#" + r.product_id; }, by,
          by === "units" ? int : money);
      }),
      get("/api/cities" + q).then(function (b) {
        drawBars("bars-cities", rows(b).slice(0, 8), function (r) { return r.city; }, "revenue", money);
      }),
      get("/api/customers" + query({ top: "6" })).then(function (b) {
        fillTable("customers", rows(b), function (tr, r) {
          cell(tr, r.name || "#" + r.customer_id);
          cell(tr, r.city || "");
          cell(tr, int(r.orders), "num", r.orders);
          cell(tr, money(r.revenue), "num", r.revenue);
        });
      }),
      get("/api/stock" + q).then(function (b) {
        fillTable("stock", rows(b), function (tr, r) {
          if (r.out_of_stock) tr.className = "out";
          cell(tr, (r.name || "#" + r.product_id) + (r.out_of_stock ? " (out of stock)" : ""));
          cell(tr, int(r.stock), "num", r.stock);
          cell(tr, int(r.demand_last_3mins), "num", r.demand_last_3mins);
        });
      }),
      get("/api/out_of_stock" + q).then(function (b) {
        fillTable("oos", rows(b), function (tr, r) {
          var t = new Date(timeMs(r.window_start));
          cell(tr, r.name || "#" + r.product_id);
          cell(tr, isNaN(t) ? String(r.window_start) : t.toLocaleTimeString("en-GB"));
          cell(tr, int(r.stock_level), "num", r.stock_level);
          cell(tr, int(r.quantity_to_purchase), "num", r.quantity_to_purchase);
        });
      }),
      get("/api/pipeline").then(drawPipeline),
    ];
    Promise.allSettled(jobs).then(function (results) {
      var failed = results.filter(function (r) { return r.status === "rejected"; });
      var status = $("status");
      status.className = failed.length ? "status bad" : "status";
      status.textContent = failed.length ? failed[0].reason.message : "updated " + new Date().toLocaleTimeString("en-GB");
      document.body.setAttribute("data-refreshed", String(Date.now()));
      timer = setTimeout(refresh, refreshMs);
    });
  }

  function again() {
    if (timer) clearTimeout(timer);
    refresh();
  }
  $("range").addEventListener("change", again);
  $("dc").addEventListener("change", again);
  $("by").addEventListener("change", again);
  $("filters").addEventListener("submit", function (e) { e.preventDefault(); again(); });
  window.addEventListener("resize", function () {
    if (revenueChart) revenueChart.setSize({ width: $("chart-revenue").clientWidth, height: 180 });
  });
  refresh();
})();
