// The dashboard: the document list with live status, one document's pages with the recognised grid drawn
// over them and its checks, and the review queue. Plain JavaScript over the JSON API (see /docs).
// Views are URL hashes: #/ (list), #/doc/ID[?cell=ID] (a document), #/review[?doc=ID] (the review queue),
// #/accuracy[?collection=NAME] (accuracy measured from reviewers' corrections).
"use strict";

// -- preferences kept in the browser ----------------------------------------------------------------------

const prefs = {
  lang: localStorage.getItem("tablescan.lang") || "zh",
  reviewer: localStorage.getItem("tablescan.reviewer") || "",
};

// Who is signed in (GET /auth/me). The session itself is an httpOnly cookie that no script can read; its
// CSRF token lives here, in memory only, and goes back with every change.
let session = { name: null, role: "admin", csrf_token: null, auth: false };

function savePref(key, value) {
  prefs[key] = value;
  localStorage.setItem("tablescan." + key, value);
}

function t(key, vars = {}) {
  const text = STRINGS[prefs.lang][key] ?? STRINGS.zh[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => String(vars[name] ?? ""));
}

// -- building the page (text always goes in as text, never as HTML) -------------------------------------

function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  setAttrs(el, attrs);
  for (const child of children.flat(Infinity)) {
    if (child != null && child !== false) el.append(child instanceof Node ? child : String(child));
  }
  return el;
}

// Replace the children of `el`; null and false stand for nothing, as in h().
function fill(el, ...children) {
  el.replaceChildren(...children.flat(Infinity).filter((c) => c != null && c !== false));
  return el;
}

function s(tag, attrs = {}) {
  return setAttrs(document.createElementNS("http://www.w3.org/2000/svg", tag), attrs);
}

function setAttrs(el, attrs) {
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value == null || value === false) continue;
    if (key.startsWith("on")) el.addEventListener(key.slice(2), value);
    else if (key === "class") el.setAttribute("class", value);
    else if (key === "style") el.style.cssText = value;   // through the CSSOM: the CSP allows no inline style
    else el.setAttribute(key, value === true ? "" : value);
  }
  return el;
}

function toast(message, kind = "info") {
  const el = document.getElementById("toast");
  el.textContent = message;
  el.className = kind;
  el.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => { el.hidden = true; }, 5000);
}

function when(iso) {
  return iso ? new Date(iso).toLocaleString(prefs.lang === "zh" ? "zh-CN" : "en-GB") : "";
}

// -- the API ------------------------------------------------------------------------------------------------

class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

function signIn() {
  location.assign("/login?next=" + encodeURIComponent("/" + location.hash));
}

async function api(path, options = {}) {
  const headers = new Headers(options.headers || {});
  const method = (options.method || "GET").toUpperCase();
  if (session.csrf_token && method !== "GET" && method !== "HEAD") headers.set("X-CSRF-Token", session.csrf_token);
  const response = await fetch(path, { ...options, headers, credentials: "same-origin" });
  if (response.status === 401) signIn();   // the session ended (signed out elsewhere, or expired)
  if (!response.ok) {
    let detail = response.statusText;
    try {
      const body = await response.json();
      detail = typeof body.detail === "string" ? body.detail
        : Array.isArray(body.detail) ? body.detail.map((d) => `${d.loc.join(".")}: ${d.msg}`).join("; ")
          : body.detail.message || JSON.stringify(body.detail);
    } catch (_) { /* not JSON: keep the status text */ }
    throw new ApiError(response.status, detail);
  }
  return response;
}

const patchCell = (id, text, by) => api(`/cells/${id}`, {
  method: "PATCH", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ text, by }),
}).then((r) => r.json());

// The server's Retry-After says when polling again is worth it.
function retryAfter(response, fallback) {
  const seconds = parseFloat(response.headers.get("Retry-After"));
  return Number.isFinite(seconds) && seconds > 0 ? seconds : fallback;
}

// -- views and polling ----------------------------------------------------------------------------------

const view = document.getElementById("view");
const current = { generation: 0, timer: null, refresh: null };

// Run `fn` after `seconds`, unless the user has left the view by then.
function poll(generation, fn, seconds) {
  clearTimeout(current.timer);
  current.timer = setTimeout(() => { if (generation === current.generation) fn(); }, seconds * 1000);
}

function route() {
  clearTimeout(current.timer);
  document.getElementById("toast").hidden = true;
  const generation = ++current.generation;
  current.refresh = null;
  const [path, query] = (location.hash || "#/").slice(1).split("?");
  const params = new URLSearchParams(query || "");
  const doc = path.match(/^\/doc\/(\d+)$/);
  const nav = doc ? "" : path.startsWith("/review") ? "review" : path.startsWith("/accuracy") ? "accuracy" : "list";
  document.querySelectorAll("[data-nav]").forEach((a) => a.classList.toggle("active", a.dataset.nav === nav));
  if (doc) return showDocument(generation, Number(doc[1]), Number(params.get("cell")) || null);
  if (path.startsWith("/review")) return showReview(generation, params.get("doc") || "");
  if (path.startsWith("/accuracy")) return showAccuracy(generation, params.get("collection") || "");
  return showList(generation);
}

function translateStatic() {
  document.documentElement.lang = prefs.lang === "zh" ? "zh-CN" : "en";
  document.querySelectorAll("[data-i18n]").forEach((el) => { el.textContent = t(el.dataset.i18n); });
  document.getElementById("lang-button").textContent = prefs.lang === "zh" ? "English" : "中文";
  const who = document.getElementById("who");
  who.textContent = session.name ? `${session.name} · ${t("role_" + session.role)}` : "";
  who.hidden = !session.name;
}

function statusBadge(status) {
  return h("span", { class: `badge status-${status}`, "data-status": status }, t("status_" + status));
}

const STATUSES = ["queued", "running", "done", "done_with_errors", "failed"];
const UNFINISHED = ["queued", "running"];

// -- the document list --------------------------------------------------------------------------------------

const PAGE_SIZE = 50;
const KINDS = ["annual_report", "budget", "final_account", "other"];
const filters = { q: "", status: "", kind: "", collection: "", year: "", issuing_body: "", has_errors: "", offset: 0 };

function filterQuery(paged) {
  const params = new URLSearchParams();
  for (const key of ["q", "status", "kind", "collection", "year", "issuing_body", "has_errors"]) {
    if (filters[key] !== "") params.set(key, filters[key]);
  }
  if (paged) {
    params.set("limit", PAGE_SIZE);
    params.set("offset", filters.offset);
  }
  return params.toString();
}

function showList(generation) {
  const message = h("div", { class: "upload-msg", id: "upload-msg", role: "status" });
  const collection = h("input", { id: "upload-collection", placeholder: t("collection"), maxlength: 500 });
  const fileInput = h("input", {
    type: "file", id: "file-input", multiple: true, accept: ".pdf,.tif,.tiff,.png,.jpg,.jpeg",
    onchange: () => { upload([...fileInput.files]); fileInput.value = ""; },
  });
  const drop = h("section", { class: "drop", id: "drop" },
    h("span", {}, t("drop_here")), " ",
    h("label", { class: "button primary" }, t("choose_files"), fileInput), collection, message);
  drop.addEventListener("dragover", (e) => { e.preventDefault(); drop.classList.add("over"); });
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", (e) => {
    e.preventDefault();
    drop.classList.remove("over");
    upload([...e.dataTransfer.files]);
  });

  async function upload(files) {
    if (!files.length) return;
    const form = new FormData();
    files.forEach((f) => form.append("files", f));
    const into = collection.value.trim();
    message.className = "upload-msg";
    message.textContent = t("uploading", { n: files.length });
    try {
      const response = await api("/documents" + (into ? "?collection=" + encodeURIComponent(into) : ""),
        { method: "POST", body: form });
      const answer = await response.json();
      message.textContent = t("uploaded", { n: answer.ids.length });
      refresh();
    } catch (e) {
      message.className = "upload-msg error";
      message.textContent = t("upload_failed", { msg: e.message });
    }
  }

  const field = (key, attrs) => h("input", {
    ...attrs, value: filters[key], "data-filter": key,
    oninput: (e) => { filters[key] = e.target.value.trim(); filters.offset = 0; soon(); },
  });
  const choice = (key, options) => {
    const select = h("select", {
      "data-filter": key, onchange: (e) => { filters[key] = e.target.value; filters.offset = 0; refresh(); },
    }, options.map(([value, label]) => h("option", { value, selected: filters[key] === value }, label)));
    return select;
  };
  let typing = null;
  const soon = () => { clearTimeout(typing); typing = setTimeout(refresh, 300); };
  const csv = h("a", { class: "button", id: "export-csv" }, t("export_csv"));
  const xlsx = h("a", { class: "button", id: "export-xlsx" }, t("export_xlsx"));
  const filterBar = h("section", { class: "filters" },
    field("q", { type: "search", placeholder: t("search"), class: "grow", id: "search" }),
    choice("status", [["", t("any_status")], ...STATUSES.map((st) => [st, t("status_" + st)])]),
    choice("kind", [["", t("any_kind")], ...KINDS.map((k) => [k, t("kind_" + k)])]),
    field("collection", { placeholder: t("col_collection"), size: 10 }),
    field("year", { type: "number", placeholder: t("year"), min: 1900, max: 2200, class: "year" }),
    field("issuing_body", { placeholder: t("issuing_body"), size: 14 }),
    choice("has_errors", [["", t("checks_any")], ["true", t("checks_failed")], ["false", t("checks_ok")]]),
    csv, xlsx);

  const totals = h("section", { class: "totals", id: "totals" });
  const rows = h("tbody", { id: "doc-rows" });
  const pager = h("nav", { class: "pager" });
  const table = h("table", { class: "docs" },
    h("thead", {}, h("tr", {}, ["col_id", "col_file", "kind", "col_collection", "year", "issuing_body", "col_status",
      "col_progress", "col_checks", "col_created"].map((k) => h("th", {}, t(k))))), rows);
  fill(view, drop, totals, filterBar, table, pager);

  async function refresh() {
    clearTimeout(typing);
    if (document.hidden) return poll(generation, refresh, 5);
    let wait = 10;
    try {
      const response = await api("/documents?" + filterQuery(true));
      const data = await response.json();
      if (generation !== current.generation) return;
      renderTotals(totals, data.counts);
      fill(rows, ...(data.documents.length ? data.documents.map(documentRow)
        : [h("tr", {}, h("td", { colspan: 9, class: "muted empty" }, t("no_documents")))]));
      renderPager(pager, data, refresh);
      csv.href = "/exports/reports.csv?" + filterQuery(false);
      xlsx.href = "/exports/reports.xlsx?" + filterQuery(false);
      wait = retryAfter(response, 10);
    } catch (e) {
      message.className = "upload-msg error";
      message.textContent = t("error", { msg: e.message });
    }
    poll(generation, refresh, wait);
  }
  current.refresh = refresh;
  refresh();
}

function renderTotals(el, counts) {
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  const chip = (status, label, n) => h("button", {
    type: "button", class: `chip ${filters.status === status ? "active" : ""} status-${status || "all"}`,
    "data-count": status || "all",
    onclick: () => { filters.status = status; filters.offset = 0; route(); },
  }, label, " ", h("b", {}, n));
  fill(el, chip("", t("all"), total), ...STATUSES.map((st) => chip(st, t("status_" + st), counts[st] || 0)));
}

function renderPager(el, data, refresh) {
  const first = data.total ? data.offset + 1 : 0;
  const last = Math.min(data.offset + data.documents.length, data.total);
  const go = (offset) => () => { filters.offset = Math.max(0, offset); refresh(); };
  fill(el,
    h("button", { type: "button", disabled: data.offset === 0, onclick: go(data.offset - PAGE_SIZE) }, t("prev")),
    h("span", {}, t("range", { a: first, b: last, n: data.total })),
    h("button", { type: "button", disabled: last >= data.total, onclick: go(data.offset + PAGE_SIZE) }, t("next")));
}

function progress(d) {
  const total = d.page_count || 0;
  const unread = d.status === "failed" && !total;   // failed before its pages were counted
  const done = total ? (100 * d.pages_done) / total : (UNFINISHED.includes(d.status) || unread ? 0 : 100);
  const failed = total ? (100 * d.pages_failed) / total : (unread ? 100 : 0);
  return h("div", { class: "progress-cell" },
    h("div", { class: "progress", role: "progressbar", "aria-valuenow": Math.round(done + failed) },
      h("span", { class: "ok", style: `width:${done}%` }), h("span", { class: "bad", style: `width:${failed}%` })),
    h("small", {}, total ? `${d.pages_done + d.pages_failed}/${total}` : "–"));
}

function checksSummary(d) {
  if (UNFINISHED.includes(d.status) || d.status === "failed") return "";
  return h("span", {},
    d.errors ? h("span", { class: "badge bad" }, "✗ ", d.errors) : h("span", { class: "badge good" }, "✓"),
    d.warnings ? h("span", { class: "badge warn" }, "⚠ ", d.warnings) : null);
}

function documentRow(d) {
  return h("tr", { "data-id": d.id, "data-status": d.status },
    h("td", { class: "num" }, d.id),
    h("td", { class: "file" }, h("a", { href: `#/doc/${d.id}` }, d.filename),
      d.error ? h("div", { class: "error-line" }, d.error) : null,
      d.duplicate_of_id ? h("div", { class: "muted" }, t("duplicate_of", { n: d.duplicate_of_id })) : null,
      d.retake_of_id ? h("div", { class: "muted" }, t("retake_of", { n: d.retake_of_id })) : null),
    h("td", { class: "kind" }, d.kind ? t("kind_" + d.kind) : ""),
    h("td", {}, d.collection || ""),
    h("td", { class: "num" }, d.report_year || ""),
    h("td", {}, d.issuing_body || ""),
    h("td", {}, statusBadge(d.status)),
    h("td", {}, progress(d)),
    h("td", {}, checksSummary(d)),
    h("td", { class: "muted" }, when(d.created_at)));
}

// -- one document ---------------------------------------------------------------------------------------------

async function showDocument(generation, id, preselect) {
  const head = h("section", { class: "doc-head" }, h("a", { href: "#/", class: "back" }, t("back")));
  const body = h("section", { class: "doc-body-wrap" }, h("p", { class: "muted" }, t("loading")));
  fill(view, head, body);
  const doc = { id, loadedFor: undefined, export: null, cells: new Map(), issuesOf: new Map(), selected: preselect,
    earlier: [] };

  async function refreshStatus() {
    let status;
    try {
      const response = await api(`/documents/${id}`);
      status = await response.json();
      if (generation !== current.generation) return;
      doc.earlier = status.earlier_corrections || [];
      renderHead(status);
      if (UNFINISHED.includes(status.status)) {
        fill(body, h("p", { class: "muted waiting" }, t("waiting")));
        return poll(generation, refreshStatus, retryAfter(response, 2));
      }
    } catch (e) {
      fill(body, h("p", { class: "error-line" },
        e.status === 404 ? t("not_found") : t("error", { msg: e.message })));
      return;
    }
    if (doc.loadedFor !== status.finished_at) {   // load the result once per finished run
      doc.loadedFor = status.finished_at;
      await loadExport();
    }
  }
  current.refresh = refreshStatus;

  function renderHead(st) {
    const finished = !UNFINISHED.includes(st.status);
    const seconds = st.seconds_running != null ? t("seconds", { n: st.seconds_running.toFixed(1) }) : null;
    fill(head,
      h("a", { href: "#/", class: "back" }, t("back")),
      h("h2", {}, h("span", { class: "filename" }, st.filename), " ", statusBadge(st.status)),
      h("div", { class: "meta" },
        st.kind ? h("span", { class: "kind" }, t("kind"), " ", h("b", {}, t("kind_" + st.kind))) : null,
        st.report_year ? h("span", {}, t("year"), " ", h("b", {}, st.report_year)) : null,
        st.issuing_body ? h("span", {}, t("issuing_body"), " ", h("b", {}, st.issuing_body)) : null,
        h("span", { class: "progress-inline" }, progress(st)),
        seconds ? h("span", {}, t("timings"), " ", h("b", {}, seconds)) : null,
        st.collection ? h("span", {}, t("col_collection"), " ", h("b", {}, st.collection)) : null),
      st.error ? h("p", { class: "error-line" }, t("failed_reason", { msg: st.error })) : null,
      st.duplicate_of_id ? h("p", { class: "muted" }, t("duplicate_of", { n: st.duplicate_of_id }), " ",
        h("a", { href: `#/doc/${st.duplicate_of_id}` }, "→ #" + st.duplicate_of_id)) : null,
      st.retake_of_id ? h("p", { class: "muted", id: "retake-line" }, t("retake_of", { n: st.retake_of_id }), " ",
        h("a", { href: `#/doc/${st.retake_of_id}` }, "→ #" + st.retake_of_id)) : null,
      h("div", { class: "actions" },
        h("span", { class: "muted" }, t("downloads")),
        ["json", "csv", "xlsx", "html"].map((fmt) => h("a", {
          class: "button", href: `/documents/${id}/export.${fmt}`, download: `document-${id}.${fmt}`,
          "data-export": fmt,
        }, fmt.toUpperCase())),
        ["done", "done_with_errors"].includes(st.status) ? h("a", {
          class: "button", id: "archive-pdf", href: `/documents/${id}/archive.pdf`, download: `document-${id}-pdfa.pdf`,
          title: t("archive_pdf_hint"),
        }, t("archive_pdf")) : null,
        h("a", { class: "button", href: `#/review?doc=${id}` }, t("nav_review")),
        h("button", { type: "button", id: "mark-reviewed", disabled: !finished, onclick: markReviewed },
          t("mark_reviewed")),
        h("button", { type: "button", class: "danger", id: "reprocess", disabled: !finished, onclick: reprocess },
          t("reprocess"))),
      st.reviewed_at ? h("p", { class: "reviewed", id: "reviewed-line" },
        t("reviewed_by", { who: st.reviewed_by, when: when(st.reviewed_at) })) : null,
      legend());
  }

  async function markReviewed() {
    const who = (session.name || prefs.reviewer || window.prompt(t("reviewer_needed")) || "").trim();
    if (!who) return;
    savePref("reviewer", who);
    try {
      await api(`/documents/${id}/reviewed`, {
        method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ by: who }),
      });
      toast(t("marked_reviewed"));
      refreshStatus();
    } catch (e) {
      toast(t("error", { msg: e.message }), "error");
    }
  }

  async function reprocess() {
    if (!window.confirm(t("reprocess_confirm"))) return;
    try {
      await api(`/documents/${id}/reprocess`, { method: "POST" });
      toast(t("reprocess_started"));
      doc.selected = null;
      refreshStatus();
    } catch (e) {
      toast(t("error", { msg: e.message }), "error");
    }
  }

  // Load the document's result; `marksOnly` (after a correction) keeps the page as it is and updates the
  // cells' text and colours and the checks in place, so nothing jumps.
  async function loadExport(marksOnly = false) {
    const data = await (await api(`/documents/${id}/export.json`)).json();
    if (generation !== current.generation) return;
    doc.export = data;
    doc.cells = new Map();
    for (const page of data.pages) {
      for (const table of page.tables) {
        for (const cell of table.cells) doc.cells.set(cell.id, { cell, page: page.number, table: table.index });
      }
    }
    doc.issuesOf = new Map();
    for (const issue of [...data.validation_errors, ...data.warnings]) {
      for (const ref of issue.cells) {
        if (ref && ref.cell_id != null) {
          if (!doc.issuesOf.has(ref.cell_id)) doc.issuesOf.set(ref.cell_id, []);
          doc.issuesOf.get(ref.cell_id).push(issue);
        }
      }
    }
    if (marksOnly) updateMarks();
    else renderBody();
  }

  function cellState(cell) {
    const issues = doc.issuesOf.get(cell.id) || [];
    if (issues.some((i) => i.severity === "error")) return "failing";
    if (cell.needs_review) return "review";
    return issues.length ? "warning" : "ok";
  }

  const cellPanel = h("section", { class: "panel", id: "cell-panel" });
  const checksPanel = h("section", { class: "panel", id: "checks" });
  const earlierPanel = h("section", { class: "panel", id: "earlier", hidden: true });

  function renderBody() {
    const data = doc.export;
    const version = encodeURIComponent(data.finished_at || "");
    const pages = h("div", { class: "pages" }, data.pages.map((page) => renderPage(page, version)));
    fill(body, h("div", { class: "doc-body" }, pages,
      h("aside", { class: "side" }, cellPanel, earlierPanel, checksPanel)));
    renderChecks();
    renderEarlier();
    select(doc.selected, Boolean(preselect));
    preselect = null;
  }

  function updateMarks() {
    body.querySelectorAll("[data-cell]").forEach((el) => {
      const found = doc.cells.get(Number(el.dataset.cell));
      if (!found) return;
      if (el.tagName === "TD") {
        el.className = `${found.cell.kind} ${cellState(found.cell)}`;
        el.textContent = found.cell.text;
      } else {
        el.setAttribute("class", `cell ${cellState(found.cell)}`);
        el.firstChild.textContent = found.cell.text;
      }
    });
    renderChecks();
    select(doc.selected, false);
  }

  function renderPage(page, version) {
    const parts = [h("h3", {}, t("page_n", { n: page.number }), " ",
      h("small", { class: "muted" }, t("rotation", { r: page.rotation, s: page.skew_degrees })))];
    if (page.status === "failed") {
      parts.push(h("p", { class: "error-line" }, t("page_failed", { msg: page.error }),
        page.failure_reason ? [" ", h("code", { class: "failure-reason" }, page.failure_reason)] : null));
    }
    if (page.width && page.height) {
      const overlay = s("svg", {
        class: "overlay", viewBox: `0 0 ${page.width} ${page.height}`, preserveAspectRatio: "none",
        "data-page": page.number,
      });
      for (const table of page.tables) {
        for (const cell of table.cells) {
          const [x0, y0, x1, y1] = cell.bbox;
          const rect = s("rect", {
            x: x0, y: y0, width: x1 - x0, height: y1 - y0, class: `cell ${cellState(cell)}`, "data-cell": cell.id,
          });
          rect.append(s("title"));
          rect.firstChild.textContent = cell.text;
          rect.addEventListener("click", () => select(cell.id, false));
          overlay.append(rect);
        }
      }
      const img = h("img", {
        src: `/documents/${id}/pages/${page.number}.png?v=${version}`, alt: t("page_n", { n: page.number }),
        width: page.width, height: page.height, loading: "lazy",
        onerror: (e) => e.target.closest(".sheet").classList.add("no-image"),
      });
      parts.push(h("div", { class: "sheet" }, img, overlay));
    }
    for (const table of page.tables) parts.push(gridTable(page, table));
    return h("article", { class: "page", "data-page": page.number }, parts);
  }

  function gridTable(page, table) {
    const rows = new Map();
    for (const cell of table.cells) {
      if (!rows.has(cell.row)) rows.set(cell.row, []);
      rows.get(cell.row).push(cell);
    }
    const trs = [...rows.keys()].sort((a, b) => a - b).map((r) => h("tr", {},
      rows.get(r).sort((a, b) => a.col - b.col).map((cell) => h("td", {
        class: `${cell.kind} ${cellState(cell)}`, "data-cell": cell.id,
        rowspan: cell.row_span > 1 ? cell.row_span : null, colspan: cell.col_span > 1 ? cell.col_span : null,
        onclick: () => select(cell.id, false),
      }, cell.text))));
    return h("details", { class: "grid", open: true },
      h("summary", {}, t("table_n", { n: table.index + 1 }), table.template ? ` · ${table.template}` : "",
        h("small", { class: "muted" }, ` ${table.n_rows}×${table.n_cols}`)),
      h("div", { class: "grid-scroll" }, h("table", {}, h("tbody", {}, trs))));
  }

  function cellRef(cellId) {
    const found = doc.cells.get(cellId);
    if (!found) return "#" + cellId;
    return t("cell_ref", { p: found.page, t: found.table + 1, r: found.cell.row + 1, c: found.cell.col + 1 });
  }

  function issueList(issues, empty) {
    if (!issues.length) return h("p", { class: "muted all-pass" }, empty);
    return h("ul", { class: "issues" }, issues.map((issue) => h("li", {
      class: `issue ${issue.severity}`, "data-rule": issue.rule,
    },
    h("div", {}, h("span", { class: `badge st-${issue.status}` }, issue.status), " ", h("code", {}, issue.rule)),
    h("div", { class: "msg" }, prefs.lang === "en" ? issue.message_en || issue.message : issue.message),
    issue.expected != null || issue.found != null
      ? h("div", { class: "muted" }, `${t("expected")} ${issue.expected ?? "—"} · ${t("found")} ${issue.found ?? "—"}`)
      : null,
    h("div", { class: "refs" }, issue.cells.filter((ref) => ref && ref.cell_id != null).map((ref) => h("a", {
      href: "#", "data-goto": ref.cell_id, onclick: (e) => { e.preventDefault(); select(ref.cell_id, true); },
    }, cellRef(ref.cell_id), ref.figure ? h("small", {}, ` ${ref.figure}`) : null))))));
  }

  function renderChecks() {
    const data = doc.export;
    fill(checksPanel,
      h("h3", {}, t("checks"), " ", h("span", { class: "count" }, data.validation_errors.length)),
      issueList(data.validation_errors, t("all_pass")),
      h("h3", {}, t("warnings"), " ", h("span", { class: "count" }, data.warnings.length)),
      issueList(data.warnings, t("no_warnings")));
  }

  const placeOf = (c) => t("cell_ref", { p: c.page, t: c.table + 1, r: c.row + 1, c: c.col + 1 });
  const earlierItem = (c) => t("earlier_item", {
    n: c.reading, who: c.corrected_by, when: when(c.corrected_at), old: c.old_text, new: c.new_text });

  // The corrections of earlier readings, each beside the cell now at its place (kept, never cleared).
  function renderEarlier() {
    earlierPanel.hidden = !doc.earlier.length;
    fill(earlierPanel,
      h("h3", {}, t("earlier"), " ", h("span", { class: "count" }, doc.earlier.length)),
      h("p", { class: "muted" }, t("earlier_hint")),
      h("ul", { class: "issues" }, doc.earlier.map((c) => h("li", {
        class: `issue earlier ${c.outcome}`, "data-earlier": c.id, "data-outcome": c.outcome,
      },
      h("div", {}, h("span", { class: `badge outcome-${c.outcome}` }, t("outcome_" + c.outcome)), " ",
        c.cell_id != null && doc.cells.has(c.cell_id)
          ? h("a", { href: "#", "data-goto": c.cell_id, onclick: (e) => { e.preventDefault(); select(c.cell_id, true); } },
            placeOf(c))
          : placeOf(c)),
      h("div", { class: "msg" }, earlierItem(c)),
      c.outcome === "not_reapplied" ? h("div", { class: "muted" }, t("earlier_now", { text: c.cell_text ?? "—" })) : null))));
  }

  function select(cellId, scroll) {
    doc.selected = cellId && doc.cells.has(cellId) ? cellId : null;
    body.querySelectorAll(".selected").forEach((el) => el.classList.remove("selected"));
    if (!doc.selected) {
      fill(cellPanel, h("h3", {}, t("cell")), h("p", { class: "muted" }, t("click_a_cell")));
      return;
    }
    body.querySelectorAll(`[data-cell="${doc.selected}"]`).forEach((el) => el.classList.add("selected"));
    if (scroll) body.querySelector(`rect[data-cell="${doc.selected}"]`)?.scrollIntoView({ block: "center" });
    renderCellPanel(doc.cells.get(doc.selected));
  }

  function renderCellPanel({ cell }) {
    const issues = doc.issuesOf.get(cell.id) || [];
    const text = h("input", { id: "cell-text", value: cell.text, autocomplete: "off" });
    const by = h("input", {
      id: "cell-by", value: session.name || prefs.reviewer, placeholder: t("reviewer"), autocomplete: "name",
      readonly: Boolean(session.name),   // signed in, the server records who signed in
    });
    const history = h("div", { class: "history", id: "cell-history" });
    const form = h("form", {
      class: "correct", onsubmit: async (e) => {
        e.preventDefault();
        if (!by.value.trim()) { toast(t("reviewer_needed"), "error"); by.focus(); return; }
        savePref("reviewer", by.value.trim());
        try {
          const answer = await patchCell(cell.id, text.value, by.value.trim());
          toast(t("saved", { e: answer.validation_errors.length, w: answer.warnings.length }));
          await loadExport(true);   // the cells and the checks as they stand after the re-run
        } catch (err) {
          toast(t("error", { msg: err.message }), "error");
        }
      },
    },
    h("label", {}, t("correct"), text),
    h("label", {}, t("reviewer"), by),
    h("button", { type: "submit", class: "primary", id: "cell-save" }, t("save")));
    const pct = Math.round(cell.confidence * 100);
    fill(cellPanel,
      h("h3", {}, t("cell"), " ", h("small", { class: "muted" }, "#" + cell.id)),
      h("dl", {},
        h("dt", {}, t("position")), h("dd", {}, cellRef(cell.id),
          cell.row_span > 1 || cell.col_span > 1 ? h("small", {}, " · " + t("span", { r: cell.row_span, c: cell.col_span })) : null),
        h("dt", {}, t("kind")), h("dd", {}, t("kind_" + cell.kind)),
        h("dt", {}, t("text")), h("dd", { class: "cell-text", id: "cell-current" }, cell.text || "∅"),
        h("dt", {}, t("raw_text")), h("dd", {}, h("code", { id: "cell-raw" }, cell.raw_text || "∅")),
        h("dt", {}, t("confidence")), h("dd", {},
          h("div", { class: "confidence" }, h("span", { style: `width:${pct}%`, class: pct < 80 ? "low" : "" })),
          ` ${pct}%`),
        h("dt", {}, t("needs_review")), h("dd", {}, cell.needs_review ? t("yes") : t("no")),
        h("dt", {}, t("in_checks")), h("dd", { id: "cell-checks" }, issues.length
          ? h("ul", { class: "plain" }, issues.map((i) => h("li", {},
            h("span", { class: `badge st-${i.status}` }, i.status), " ", h("code", {}, i.rule))))
          : t("none"))),
      form, history);
    const before = doc.earlier.filter((c) => c.cell_id === cell.id);
    api(`/cells/${cell.id}`).then((r) => r.json()).then((info) => {
      fill(history,
        info.corrections.length ? h("h4", {}, t("history")) : null,
        info.corrections.length ? h("ul", { class: "plain" }, info.corrections.map((c) => h("li", {
          "data-reapplied-from": c.reapplied_from_id ?? "" },
        t("history_item", { who: c.corrected_by, when: when(c.corrected_at), old: c.old_text, new: c.new_text }),
        c.reapplied_from_id != null ? h("small", { class: "muted" }, t("reapplied_mark")) : null))) : null,
        before.length ? h("h4", {}, t("earlier_here")) : null,
        before.length ? h("ul", { class: "plain", id: "cell-earlier" }, before.map((c) => h("li", {},
          h("span", { class: `badge outcome-${c.outcome}` }, t("outcome_" + c.outcome)), " ", earlierItem(c)))) : null);
    }).catch(() => {});
  }

  refreshStatus();
}

function legend() {
  return h("div", { class: "legend" }, [["failing", "legend_failing"], ["review", "legend_review"],
    ["warning", "legend_warning"], ["ok", "legend_ok"]].map(([cls, key]) =>
    h("span", {}, h("i", { class: `swatch ${cls}` }), t(key))));
}

// -- the review queue ----------------------------------------------------------------------------------------

async function showReview(generation, docFilter) {
  const reviewer = h("input", {
    id: "reviewer", value: session.name || prefs.reviewer, placeholder: t("reviewer"), readonly: Boolean(session.name),
    onchange: (e) => savePref("reviewer", e.target.value.trim()),
  });
  const docInput = h("input", { id: "review-doc", type: "number", min: 1, value: docFilter, placeholder: t("review_doc") });
  const count = h("span", { class: "muted", id: "review-count" });
  const rows = h("tbody", { id: "review-rows" });
  const reload = () => { location.hash = "#/review" + (docInput.value ? "?doc=" + docInput.value : ""); route(); };
  docInput.addEventListener("change", reload);
  fill(view,
    h("section", { class: "review-head" }, h("h2", {}, t("nav_review")),
      h("label", {}, t("reviewer"), " ", reviewer), h("label", {}, t("review_doc"), " ", docInput),
      h("button", { type: "button", onclick: reload }, t("refresh")), count),
    h("p", { class: "hint" }, t("review_hint")),
    h("table", { class: "review" }, h("thead", {}, h("tr", {},
      ["cell", "position", "raw_text", "confidence", "in_checks", "correct", ""].map((k) => h("th", {}, k ? t(k) : "")))),
    rows));

  let items;
  try {
    items = (await (await api("/review?limit=200" + (docFilter ? "&document_id=" + docFilter : ""))).json()).cells;
  } catch (e) {
    fill(rows, h("tr", {}, h("td", { colspan: 7, class: "error-line" }, t("error", { msg: e.message }))));
    return;
  }
  if (generation !== current.generation) return;
  let left = items.length;
  count.textContent = t("review_left", { n: left });
  if (!items.length) {
    fill(rows, h("tr", {}, h("td", { colspan: 7, class: "muted empty" }, t("review_empty"))));
    return;
  }
  const inputs = [];
  const move = (i) => { const next = inputs[Math.max(0, Math.min(inputs.length - 1, i))]; next.focus(); next.select(); };
  fill(rows, ...items.map((item, i) => {
    const state = h("td", { class: "state" });
    const input = h("input", { class: "fix", value: item.text, "data-cell": item.cell_id, autocomplete: "off" });
    inputs.push(input);
    input.addEventListener("keydown", async (e) => {
      if (e.key === "ArrowDown") { e.preventDefault(); move(i + 1); }
      else if (e.key === "ArrowUp") { e.preventDefault(); move(i - 1); }
      else if (e.key === "Escape") { input.value = item.text; }
      else if (e.key === "Enter") {
        e.preventDefault();
        const by = reviewer.value.trim();
        if (!by) { toast(t("reviewer_needed"), "error"); reviewer.focus(); return; }
        savePref("reviewer", by);
        if (i + 1 < inputs.length) move(i + 1);
        try {
          const answer = await patchCell(item.cell_id, input.value, by);
          const row = input.closest("tr");
          if (!row.classList.contains("saved")) count.textContent = t("review_left", { n: --left });
          row.classList.add("saved");
          item.text = answer.cell.text;
          state.textContent = "✓ " + t("review_saved");
          state.title = t("saved", { e: answer.validation_errors.length, w: answer.warnings.length });
        } catch (err) {
          state.textContent = "✗ " + err.message;
          state.className = "state error-line";
        }
      }
    });
    return h("tr", { "data-cell": item.cell_id },
      h("td", { class: "crop" }, h("img", { src: `/cells/${item.cell_id}/image.png`, alt: "", loading: "lazy" })),
      h("td", {}, h("a", { href: `#/doc/${item.document_id}?cell=${item.cell_id}`, tabindex: -1 },
        `#${item.document_id} · `, t("cell_ref", { p: item.page, t: item.table + 1, r: item.row + 1, c: item.col + 1 }))),
      h("td", {}, h("code", {}, item.raw_text || "∅")),
      h("td", { class: "num" }, Math.round(item.confidence * 100) + "%"),
      h("td", {}, item.rules.map((r) => h("code", { class: "rule" }, r))),
      h("td", {}, input),
      state);
  }));
  move(0);
}

// -- accuracy measured from reviewers' corrections ------------------------------------------------------------

const pct = (v, digits = 1) => (v == null ? "—" : (v * 100).toFixed(digits) + "%");

async function showAccuracy(generation, collection) {
  const select = h("select", { id: "accuracy-collection" });
  const body = h("section", { class: "accuracy", id: "accuracy" });
  fill(view, h("section", { class: "review-head" }, h("h2", {}, t("nav_accuracy")),
    h("label", {}, t("col_collection"), " ", select)), h("p", { class: "hint" }, t("accuracy_hint")), body);
  let data;
  try {
    data = await (await api("/accuracy")).json();
  } catch (e) {
    fill(body, h("p", { class: "error-line" }, t("error", { msg: e.message })));
    return;
  }
  if (generation !== current.generation) return;
  const names = Object.keys(data.collections).filter((n) => n);   // documents in no collection count in "all"
  fill(select, h("option", { value: "" }, t("all_collections")),
    names.map((n) => h("option", { value: n, selected: n === collection }, n)));
  select.addEventListener("change", () => { location.hash = "#/accuracy" + (select.value ? "?collection=" + encodeURIComponent(select.value) : ""); });
  const a = collection && data.collections[collection] ? data.collections[collection] : data.overall;
  const figure = (key, value, id) => h("div", { class: "figure", id }, h("b", {}, value), h("span", {}, t(key)));
  fill(body,
    h("div", { class: "figures" },
      figure("acc_documents", a.documents, "acc-documents"),
      figure("acc_cells", a.cells, "acc-cells"),
      figure("acc_changed_value", pct(a.changed.value, 2), "acc-changed-value"),
      figure("acc_changed_label", pct(a.changed.label, 2), "acc-changed-label"),
      figure("acc_changed_header", pct(a.changed.header, 2), "acc-changed-header"),
      figure("acc_in_review", pct(a.changed_in_review), "acc-in-review"),
      figure("acc_silent", pct(a.silent_error_rate, 3), "acc-silent")),
    h("h3", {}, t("acc_reliability")),
    reliabilityChart(a.reliability),
    h("h3", {}, t("acc_threshold")),
    h("p", { id: "acc-threshold" }, a.suggested_threshold == null ? "—" : h("b", {}, a.suggested_threshold.toFixed(2)),
      " ", h("span", { class: "muted" }, a.explanation)));
}

// Confidence bucket against the share of its cells read right; the diagonal is perfect calibration.
function reliabilityChart(buckets) {
  const W = 420, H = 300, L = 50, B = 40, T = 10, R = 10;
  const x = (v) => L + v * (W - L - R);
  const y = (v) => H - B - v * (H - B - T);
  const svg = s("svg", { viewBox: `0 0 ${W} ${H}`, width: W, height: H, id: "reliability", role: "img",
                         "aria-label": t("acc_reliability") });
  svg.append(s("line", { x1: x(0), y1: y(0), x2: x(1), y2: y(1), class: "diagonal" }));
  for (const v of [0, 0.5, 1]) {
    const lx = s("text", { x: x(v), y: H - B + 16, "text-anchor": "middle" }); lx.textContent = v.toFixed(1); svg.append(lx);
    const ly = s("text", { x: L - 6, y: y(v) + 4, "text-anchor": "end" }); ly.textContent = v.toFixed(1); svg.append(ly);
  }
  const xl = s("text", { x: (L + W - R) / 2, y: H - 6, "text-anchor": "middle" }); xl.textContent = t("acc_confidence"); svg.append(xl);
  const yl = s("text", { x: 12, y: (T + H - B) / 2, transform: `rotate(-90 12 ${(T + H - B) / 2})`, "text-anchor": "middle" });
  yl.textContent = t("acc_right"); svg.append(yl);
  svg.append(s("rect", { x: x(0), y: y(1), width: x(1) - x(0), height: y(0) - y(1), class: "frame" }));
  for (const b of buckets) {
    if (!b.cells || b.right == null) continue;
    const bar = s("rect", { x: x(b.low) + 1, y: y(b.right), width: Math.max(1, x(b.high) - x(b.low) - 2),
                            height: y(0) - y(b.right), class: "bar", "data-low": b.low, "data-cells": b.cells,
                            "data-right": b.right });
    const tip = s("title"); tip.textContent = `${b.low.toFixed(2)}–${b.high.toFixed(2)}: ${b.cells} · ${pct(b.right)}`;
    bar.append(tip);
    svg.append(bar);
  }
  return svg;
}


// -- start ----------------------------------------------------------------------------------------------------

document.getElementById("lang-button").addEventListener("click", () => {
  savePref("lang", prefs.lang === "zh" ? "en" : "zh");
  translateStatic();
  route();
});
document.getElementById("logout-button").addEventListener("click", async () => {
  try {
    await api("/auth/logout", { method: "POST" });
  } finally {
    location.assign("/login");
  }
});
document.addEventListener("visibilitychange", () => {
  if (!document.hidden && current.refresh) current.refresh();
});
window.addEventListener("hashchange", route);

async function start() {
  const response = await fetch("/auth/me", { credentials: "same-origin" });
  if (response.status === 401) { signIn(); return; }
  session = await response.json();
  document.getElementById("logout-button").hidden = !session.auth || session.via !== "session";
  translateStatic();
  route();
}
start();
