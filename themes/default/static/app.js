/* procbook default theme: progressive enhancement.
 *
 * - table.sortable: header buttons sort the rows (aria-sort on the sorted column).
 * - .filters + table[data-filterable]: text and per-column filters over the rows.
 * - .table-wrap: a wrapper that actually scrolls becomes keyboard-focusable;
 *   tables in guidance text get such a wrapper.
 * - Printing opens closed <details> so their content is on paper.
 *
 * No dependencies, no network access (works from file://). Every feature checks
 * that its markup exists, so the script is safe on every page. Written for
 * 10,000-row tables: cell texts are read once (on first use), sorting puts
 * the rows back in a single insertion, filtering toggles `hidden` in one pass
 * and never reads layout.
 */
(function () {
  "use strict";

  var collator = (typeof Intl !== "undefined" && Intl.Collator)
    ? new Intl.Collator(undefined, { numeric: true, sensitivity: "base" })
    : null;

  function compareText(a, b) {
    if (collator) return collator.compare(a, b);
    return a < b ? -1 : a > b ? 1 : 0;
  }

  function cellText(cell) {
    return cell ? cell.textContent.replace(/\s+/g, " ").trim() : "";
  }

  /* A number from a cell such as "420,000", "$ 9 800" or "-3.5"; NaN when blank or not numeric. */
  function parseNumber(text) {
    var cleaned = text.replace(/[\s\u00a0\u202f,$€£%]/g, "");
    if (cleaned === "" || !/^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(cleaned)) return NaN;
    return parseFloat(cleaned);
  }

  function debounce(fn, ms) {
    var timer = null;
    return function () {
      if (timer !== null) clearTimeout(timer);
      timer = setTimeout(function () { timer = null; fn(); }, ms);
    };
  }

  /* ---------- Sortable tables ---------- */

  function makeSortable(table) {
    var head = table.tHead && table.tHead.rows[0];
    var body = table.tBodies[0];
    if (!head || !body) return;

    var headers = Array.prototype.slice.call(head.cells);
    var keyCache = {}; // column index -> array of keys, parallel to `rows` below
    var rows = null;   // the body rows in their original order, read lazily
    var state = { column: -1, ascending: true };

    /* Sort keys for one column, read from the DOM once and cached. */
    function keysFor(column, numeric) {
      if (keyCache[column]) return keyCache[column];
      if (!rows) rows = Array.prototype.slice.call(body.rows);
      var keys = new Array(rows.length);
      for (var i = 0; i < rows.length; i++) {
        var text = cellText(rows[i].cells[column]);
        keys[i] = numeric ? parseNumber(text) : text;
      }
      keyCache[column] = keys;
      return keys;
    }

    function sortBy(column) {
      var th = headers[column];
      var numeric = th.classList.contains("num");
      var ascending = state.column === column ? !state.ascending : true;
      var keys = keysFor(column, numeric);
      var direction = ascending ? 1 : -1;

      var order = new Array(rows.length);
      for (var i = 0; i < rows.length; i++) order[i] = i;
      order.sort(function (a, b) {
        var ka = keys[a], kb = keys[b];
        // Blank (or non-numeric) values go last in either direction.
        var blankA = numeric ? ka !== ka : ka === "";
        var blankB = numeric ? kb !== kb : kb === "";
        if (blankA || blankB) {
          if (blankA && blankB) return a - b;
          return blankA ? 1 : -1;
        }
        var c = numeric ? ka - kb : compareText(ka, kb);
        return c !== 0 ? c * direction : a - b; // original order breaks ties
      });

      // Empty the body in one operation, then put the rows back in order in one
      // insertion (cheaper than moving rows one by one out of a live tbody).
      var fragment = document.createDocumentFragment();
      body.textContent = "";
      for (var j = 0; j < order.length; j++) fragment.appendChild(rows[order[j]]);
      body.appendChild(fragment);

      state.column = column;
      state.ascending = ascending;
      for (var h = 0; h < headers.length; h++) {
        var indicator = headers[h].querySelector(".sort-indicator");
        if (h === column) {
          headers[h].setAttribute("aria-sort", ascending ? "ascending" : "descending");
          if (indicator) indicator.textContent = ascending ? "\u25B2" : "\u25BC";
        } else {
          headers[h].removeAttribute("aria-sort");
          if (indicator) indicator.textContent = "\u2195";
        }
      }
    }

    headers.forEach(function (th, column) {
      // Move the header's content into a button so it is reachable and
      // operable from the keyboard (Enter and Space click a button natively).
      var button = document.createElement("button");
      button.type = "button";
      button.className = "sort";
      while (th.firstChild) button.appendChild(th.firstChild);
      var indicator = document.createElement("span");
      indicator.className = "sort-indicator";
      indicator.setAttribute("aria-hidden", "true");
      indicator.textContent = "\u2195";
      button.appendChild(indicator);
      button.addEventListener("click", function () { sortBy(column); });
      th.appendChild(button);
    });
  }

  /* ---------- Filters ---------- */

  function initFilters(filters) {
    var scope = filters.closest("section") || document;
    var table = scope.querySelector("table[data-filterable]") || document.querySelector("table[data-filterable]");
    if (!table || !table.tBodies[0]) return;

    var textInput = filters.querySelector("[data-filter-text]");
    var selects = Array.prototype.slice.call(filters.querySelectorAll("select[data-filter-column]"));
    var status = filters.querySelector(".filter-status");

    // Each row's lowercase text and the cells the selects look at, read from
    // the DOM once, on first use (page load stays cheap on large tables).
    var columns = selects.map(function (s) { return parseInt(s.getAttribute("data-filter-column"), 10); });
    var records = null;
    var total = table.tBodies[0].rows.length;

    function readRows() {
      return Array.prototype.map.call(table.tBodies[0].rows, function (row) {
        var values = columns.map(function (c) { return isNaN(c) ? "" : cellText(row.cells[c]); });
        // Join cell texts with a separator so a word cannot match across two cells.
        var text = Array.prototype.map.call(row.cells, cellText).join("\n").toLowerCase();
        return { row: row, text: text, values: values, hidden: row.hidden };
      });
    }

    function formatCount(n) {
      return typeof n.toLocaleString === "function" ? n.toLocaleString() : String(n);
    }

    function apply() {
      var needle = textInput ? textInput.value.trim().toLowerCase() : "";
      var wanted = selects.map(function (s) { return s.value; });
      var shown = 0;
      if (!records) records = readRows();
      // One pass, writes only: touch `hidden` only on rows whose state changes.
      for (var i = 0; i < records.length; i++) {
        var r = records[i];
        var match = needle === "" || r.text.indexOf(needle) !== -1;
        for (var k = 0; match && k < wanted.length; k++) {
          if (wanted[k] !== "" && r.values[k] !== wanted[k]) match = false;
        }
        if (match) shown++;
        if (r.hidden === match) {
          r.hidden = !match;
          r.row.hidden = !match;
        }
      }
      showStatus(shown);
    }

    function showStatus(shown) {
      if (status) {
        status.textContent = "Showing " + formatCount(shown) + " of " + formatCount(total) +
          (total === 1 ? " procurement" : " procurements");
      }
    }

    if (textInput) {
      textInput.addEventListener("input", debounce(apply, 100));
      // Enter in the search box must not submit anything; apply at once instead.
      textInput.addEventListener("keydown", function (e) {
        if (e.key === "Enter" && !e.isComposing) { e.preventDefault(); apply(); }
      });
    }
    selects.forEach(function (s) { s.addEventListener("change", apply); });

    filters.hidden = false;
    // Browsers may restore control values on back/forward navigation; honour
    // them. Otherwise the status stays empty until the reader filters, so the
    // live region does not speak on page load.
    var restored = (textInput && textInput.value.trim() !== "") ||
      selects.some(function (s) { return s.value !== ""; });
    if (restored) apply();
  }

  /* ---------- Scrollable table wrappers ---------- */

  /* A name for a scrolling table: its caption, else the heading before it. */
  function regionName(wrap) {
    var caption = wrap.querySelector("caption");
    if (caption && cellText(caption)) return cellText(caption);
    var headings = document.querySelectorAll("main h1, main h2, main h3, main h4, main h5, main h6");
    var name = "";
    for (var i = 0; i < headings.length; i++) {
      // Keep the last heading that comes before the wrapper in document order.
      if (headings[i].compareDocumentPosition(wrap) & Node.DOCUMENT_POSITION_FOLLOWING) name = cellText(headings[i]);
      else break;
    }
    return name ? "Table: " + name : "Table";
  }

  /* A wrapper that scrolls horizontally gets tabindex=0 and a name, so keyboard
     users can scroll it. Reads layout for all wrappers first, then writes. */
  function markScrollRegions() {
    var wraps = document.querySelectorAll(".table-wrap");
    var scrolls = [];
    for (var i = 0; i < wraps.length; i++) scrolls.push(wraps[i].scrollWidth > wraps[i].clientWidth + 1);
    for (var j = 0; j < wraps.length; j++) {
      var wrap = wraps[j];
      if (scrolls[j]) {
        if (!wrap.hasAttribute("tabindex")) {
          wrap.setAttribute("tabindex", "0");
          wrap.setAttribute("role", "region");
          wrap.setAttribute("aria-label", regionName(wrap));
        }
      } else if (wrap.getAttribute("role") === "region") {
        wrap.removeAttribute("tabindex");
        wrap.removeAttribute("role");
        wrap.removeAttribute("aria-label");
      }
    }
  }

  /* ---------- Tables in guidance text ---------- */

  /* Markdown tables come without a scrolling wrapper; add one so a wide table
     scrolls by itself instead of widening the page on a phone. */
  function wrapProseTables() {
    var tables = document.querySelectorAll(".prose table");
    for (var i = 0; i < tables.length; i++) {
      var table = tables[i];
      if (table.parentNode.classList && table.parentNode.classList.contains("table-wrap")) continue;
      var wrap = document.createElement("div");
      wrap.className = "table-wrap";
      table.parentNode.insertBefore(wrap, table);
      wrap.appendChild(table);
    }
  }

  /* ---------- Printing ---------- */

  /* Closed <details> would print without their content: open them for the
     printout and close them again afterwards. */
  function openDetailsForPrint() {
    var opened = [];
    window.addEventListener("beforeprint", function () {
      var closed = document.querySelectorAll("details:not([open])");
      for (var i = 0; i < closed.length; i++) {
        closed[i].open = true;
        opened.push(closed[i]);
      }
    });
    window.addEventListener("afterprint", function () {
      while (opened.length) opened.pop().open = false;
    });
  }

  function init() {
    wrapProseTables();
    openDetailsForPrint();

    var sortables = document.querySelectorAll("table.sortable");
    for (var i = 0; i < sortables.length; i++) makeSortable(sortables[i]);

    var filterBlocks = document.querySelectorAll(".filters");
    for (var j = 0; j < filterBlocks.length; j++) initFilters(filterBlocks[j]);

    if (document.querySelector(".table-wrap")) {
      markScrollRegions();
      window.addEventListener("resize", debounce(markScrollRegions, 200));
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
