/* procbook default theme: search page.
 *
 * The build writes search-index.js, which sets
 *   window.PROCBOOK_SEARCH = { docs: [[url, title, kind, text], ...] }   (search-index.js)
 *   window.PROCBOOK_SEARCH_PROCUREMENTS = { docs: [...] }               (search-procurements.js)
 * (url relative to the site root, where search.html also lives). It is loaded
 * with a script tag, so search works from file:// without fetch.
 *
 * Every value in the index may come from a CSV and may contain markup, so
 * results are built with DOM APIs and textContent only, never innerHTML.
 */
(function () {
  "use strict";

  var MAX_RESULTS = 50;
  var SNIPPET_BEFORE = 70;   // characters of context before the first match
  var SNIPPET_LENGTH = 220;  // total snippet length
  var KIND_ORDER = { guidance: 0, role: 1, resource: 2, procurement: 3 };
  var HINT = "Type one or more words to search the guidance, procurements, roles and resources.";

  var input = document.getElementById("q");
  var list = document.getElementById("search-results");
  var status = document.getElementById("search-status");
  if (!input || !list || !status) return;
  var form = input.form;

  /* Two scripts fill the index: guidance, roles and resources; and the procurements. */
  var index = window.PROCBOOK_SEARCH;
  var procurements = window.PROCBOOK_SEARCH_PROCUREMENTS;
  if (index && Array.isArray(index.docs) && procurements && Array.isArray(procurements.docs)) {
    index = { docs: index.docs.concat(procurements.docs) };
  }
  if (!index || !Array.isArray(index.docs)) {
    status.textContent = "The search index could not be loaded. Rebuild the site, or browse the procurement list and the guidance instead.";
    return;
  }

  /* Lowercase copies are made once, at load. */
  var docs = [];
  index.docs.forEach(function (d, i) {
    if (!Array.isArray(d)) return;
    var url = String(d[0] == null ? "" : d[0]);
    if (/^\s*(javascript|data|vbscript):/i.test(url)) return; // never a script URL
    var title = String(d[1] == null ? "" : d[1]);
    var kind = String(d[2] == null ? "" : d[2]);
    var text = String(d[3] == null ? "" : d[3]);
    docs.push({
      url: url,
      title: title || url,
      kind: kind,
      text: text,
      titleLc: title.toLowerCase(),
      textLc: text.toLowerCase(),
      kindRank: Object.prototype.hasOwnProperty.call(KIND_ORDER, kind) ? KIND_ORDER[kind] : 9,
      order: i
    });
  });

  /* Lowercase words of the query, without duplicates. */
  function queryWords(q) {
    var seen = {};
    return q.toLowerCase().split(/\s+/).filter(function (w) {
      if (w === "" || seen[w]) return false;
      seen[w] = true;
      return true;
    });
  }

  /* True when `pos` in `s` starts a word (start of string or after a non-letter/digit). */
  function atWordStart(s, pos) {
    if (pos === 0) return true;
    var c = s.charAt(pos - 1);
    return c.toLowerCase() === c.toUpperCase() && !/[0-9]/.test(c);
  }

  /* Documents that contain every word, best first. */
  function search(words, phrase) {
    var hits = [];
    for (var i = 0; i < docs.length; i++) {
      var d = docs[i];
      var score = 0;
      var first = -1; // earliest match in the text, for the snippet
      var ok = true;
      for (var k = 0; k < words.length; k++) {
        var w = words[k];
        var t = d.titleLc.indexOf(w);
        var x = d.textLc.indexOf(w);
        if (t === -1 && x === -1) { ok = false; break; }
        if (t !== -1) score += atWordStart(d.titleLc, t) ? 15 : 10;
        if (x !== -1) {
          score += 1;
          if (first === -1 || x < first) first = x;
        }
      }
      if (!ok) continue;
      if (words.length > 1) {
        if (d.titleLc.indexOf(phrase) !== -1) score += 20;
        else if (d.textLc.indexOf(phrase) !== -1) score += 3;
      }
      if (d.titleLc === phrase) score += 30;
      hits.push({ doc: d, score: score, first: first });
    }
    hits.sort(function (a, b) {
      return (b.score - a.score) ||
        (a.doc.kindRank - b.doc.kindRank) ||
        (a.doc.order - b.doc.order);
    });
    return hits;
  }

  /* A stretch of text around the first match, cut at word boundaries. */
  function snippet(text, first) {
    if (text.length <= SNIPPET_LENGTH) return text;
    var start = first > SNIPPET_BEFORE ? first - SNIPPET_BEFORE : 0;
    if (start > 0) {
      var space = text.indexOf(" ", start);
      if (space !== -1 && space < first) start = space + 1;
    }
    var end = Math.min(text.length, start + SNIPPET_LENGTH);
    if (end < text.length) {
      var cut = text.lastIndexOf(" ", end);
      if (cut > Math.max(start, first)) end = cut;
    }
    return (start > 0 ? "\u2026" : "") + text.slice(start, end) + (end < text.length ? "\u2026" : "");
  }

  /* Append `text` to `parent`, wrapping each occurrence of the query words in <mark>. */
  function appendHighlighted(parent, text, words) {
    var lower = text.toLowerCase();
    if (lower.length !== text.length) { // case mapping changed lengths: no highlighting
      parent.appendChild(document.createTextNode(text));
      return;
    }
    var ranges = [];
    words.forEach(function (w) {
      var from = 0, at;
      while ((at = lower.indexOf(w, from)) !== -1) {
        ranges.push([at, at + w.length]);
        from = at + w.length;
      }
    });
    ranges.sort(function (a, b) { return a[0] - b[0] || b[1] - a[1]; });
    var pos = 0;
    ranges.forEach(function (r) {
      if (r[1] <= pos) return;            // inside a range already marked
      var s = Math.max(r[0], pos);
      if (s > pos) parent.appendChild(document.createTextNode(text.slice(pos, s)));
      var mark = document.createElement("mark");
      mark.textContent = text.slice(s, r[1]);
      parent.appendChild(mark);
      pos = r[1];
    });
    if (pos < text.length) parent.appendChild(document.createTextNode(text.slice(pos)));
  }

  function plural(n, one, many) {
    return n.toLocaleString() + " " + (n === 1 ? one : many);
  }

  var lastQuery = null;

  function run() {
    var q = input.value.trim();
    if (q === lastQuery) return;
    lastQuery = q;

    var words = queryWords(q);
    list.textContent = "";
    if (words.length === 0) {
      status.textContent = HINT;
      return;
    }

    var hits = search(words, words.join(" "));
    var quoted = "\u201C" + q + "\u201D";
    if (hits.length === 0) {
      status.textContent = "No results for " + quoted + ". Try fewer or shorter words.";
      return;
    }

    var fragment = document.createDocumentFragment();
    var shown = Math.min(hits.length, MAX_RESULTS);
    for (var i = 0; i < shown; i++) {
      var hit = hits[i];
      var li = document.createElement("li");
      var a = document.createElement("a");
      a.href = hit.doc.url;
      appendHighlighted(a, hit.doc.title, words);
      li.appendChild(a);
      li.appendChild(document.createTextNode(" "));
      var kind = document.createElement("span");
      kind.className = "kind";
      kind.textContent = hit.doc.kind;
      li.appendChild(kind);
      if (hit.doc.text) {
        var p = document.createElement("p");
        appendHighlighted(p, snippet(hit.doc.text, hit.first === -1 ? 0 : hit.first), words);
        li.appendChild(p);
      }
      fragment.appendChild(li);
    }
    list.appendChild(fragment);

    status.textContent = plural(hits.length, "result", "results") + " for " + quoted +
      (hits.length > shown ? "; showing the best " + shown + "." : ".");
  }

  /* Keep ?q= in the address bar so a search can be bookmarked or shared.
     Some browsers refuse history changes on file:// pages; that is harmless. */
  function rememberQuery() {
    if (!window.history || !history.replaceState) return;
    try {
      var q = input.value.trim();
      var url = location.pathname + (q ? "?q=" + encodeURIComponent(q) : "") + location.hash;
      history.replaceState(null, "", url);
    } catch (e) { /* ignore */ }
  }

  var timer = null;
  input.addEventListener("input", function () {
    if (timer !== null) clearTimeout(timer);
    timer = setTimeout(function () { timer = null; run(); rememberQuery(); }, 150);
  });

  if (form) {
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      if (timer !== null) { clearTimeout(timer); timer = null; }
      lastQuery = null; // always answer an explicit submit
      run();
      rememberQuery();
    });
  }

  var initial = "";
  try {
    initial = new URLSearchParams(location.search).get("q") || "";
  } catch (e) { /* very old browser: start empty */ }
  if (initial) input.value = initial;
  run();
})();
