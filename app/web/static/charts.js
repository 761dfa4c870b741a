/* Draws the report charts: each <canvas data-chart-url data-chart> gets a stacked bar chart
   from the JSON the app serves (one request per URL, shared by the canvases). */
(function () {
  "use strict";
  if (typeof Chart === "undefined") { return; }
  var requests = {};
  function load(url) {
    if (!requests[url]) {
      requests[url] = fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (resp) {
          if (!resp.ok) { throw new Error("HTTP " + resp.status); }
          return resp.json();
        });
    }
    return requests[url];
  }
  function draw(canvas, data) {
    var chart = data[canvas.getAttribute("data-chart")];
    if (!chart) { return; }
    new Chart(canvas, {
      type: "bar",
      data: {
        labels: chart.labels,
        datasets: chart.datasets.map(function (d) {
          return { label: d.label, data: d.data, backgroundColor: d.color };
        })
      },
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } },
        plugins: { legend: { position: "bottom" } }
      }
    });
    canvas.setAttribute("data-drawn", "1");
  }
  document.querySelectorAll("canvas[data-chart-url]").forEach(function (canvas) {
    load(canvas.getAttribute("data-chart-url"))
      .then(function (data) { draw(canvas, data); })
      .catch(function () { canvas.setAttribute("data-drawn", "error"); });
  });
})();
