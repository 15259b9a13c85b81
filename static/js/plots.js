// Koschei's plots: each <figure class="plot"> holds a table of its data, readable without
// JavaScript; this draws the table as a uPlot chart above it and folds the table away.
// Table: first column the x value (data-value: epoch seconds, or a row's label for bars),
// every other column a series (data-value: a number, empty for none); th data-color.
(function () {
  "use strict";

  function read(table) {
    // the x column and the columns whose header names a series colour
    var heads = Array.prototype.slice.call(table.tHead.rows[0].cells).filter(function (head, i) {
      return i === 0 || head.hasAttribute("data-color");
    });
    var rows = Array.prototype.slice.call(table.tBodies[0].rows);
    var columns = Array.prototype.map.call(table.tHead.rows[0].cells, function () { return []; });
    var labels = [];
    rows.forEach(function (row, index) {
      Array.prototype.forEach.call(row.cells, function (cell, col) {
        var raw = cell.getAttribute("data-value");
        if (col === 0) {
          labels.push(cell.textContent.trim());
          columns[0].push(raw === null || raw === "" ? index : Number(raw));
        } else if (raw !== null) {
          columns[col].push(raw === "" ? null : Number(raw));
        }
      });
    });
    columns = columns.filter(function (column, i) { return i === 0 || column.length; });
    return { heads: heads, columns: columns, labels: labels };
  }

  function draw(figure) {
    var table = figure.querySelector("table");
    if (!table || !table.tBodies[0] || table.tBodies[0].rows.length < 2) return;
    var kind = figure.getAttribute("data-kind") || "lines";
    var data = read(table);
    var bars = kind === "bars";
    var series = [{ label: data.heads[0].textContent.trim() }];
    data.heads.slice(1).forEach(function (head) {
      var colour = head.getAttribute("data-color") || "#1f5fa8";
      var line = { label: head.textContent.trim(), stroke: colour, width: 2 };
      if (kind === "points") {
        line.paths = function () { return null; };
        line.points = { show: true, size: 7, fill: colour };
      }
      if (bars) {
        line.fill = colour;
        line.paths = uPlot.paths.bars({ size: [0.6, 40] });
        line.points = { show: false };
      }
      series.push(line);
    });
    var chart = document.createElement("div");
    figure.insertBefore(chart, table);
    var width = Math.max(320, Math.min(figure.clientWidth || 800, 1100));
    var options = {
      width: width,
      height: 240,
      series: series,
      scales: { x: { time: !bars } },
      axes: [{}, {}],
    };
    if (bars) {
      options.axes[0] = {
        values: function (u, splits) {
          return splits.map(function (i) { return data.labels[i] || ""; });
        },
        rotate: 0,
      };
      options.scales.x.range = function () { return [-0.5, data.labels.length - 0.5]; };
    }
    new uPlot(options, data.columns, chart);
    var details = document.createElement("details");
    var summary = document.createElement("summary");
    summary.textContent = "Data as a table";
    details.appendChild(summary);
    figure.insertBefore(details, table);
    details.appendChild(table);
  }

  function drawAll() {
    if (typeof uPlot === "undefined") return;
    Array.prototype.forEach.call(document.querySelectorAll("figure.plot"), draw);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", drawAll);
  } else {
    drawAll();
  }
})();
