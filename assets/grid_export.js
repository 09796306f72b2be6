/* «Tải Excel» under every grid (components/grids.py): collect what the grid shows (its columns in
   their order, its rows) and hand it to the server, which writes the xlsx. A grid holding its rows gives them after its filters
   and sort; a grid served a page at a time (the units grid) gives its filter and sort, and the
   server applies them to every row. Nothing is sent anywhere but this server. */
(function () {
  async function collect(nClicks, buttonId) {
    var noUpdate = window.dash_clientside.no_update;
    if (!nClicks || !window.dash_ag_grid) { return noUpdate; }
    var key = buttonId.grid;
    var gridId = key.charAt(0) === "{" ? JSON.parse(key) : key;
    var api = await window.dash_ag_grid.getApiAsync(gridId);
    var columns = api.getAllDisplayedColumns().map(function (column) {
      var def = column.getColDef();
      return { field: def.field, header: def.headerName || def.field };
    }).filter(function (column) { return column.field; });
    if (api.getGridOption("rowModelType") === "infinite") {
      var sortModel = api.getColumnState().filter(function (s) { return s.sort; })
        .sort(function (a, b) { return (a.sortIndex || 0) - (b.sortIndex || 0); })
        .map(function (s) { return { colId: s.colId, sort: s.sort }; });
      return { n: nClicks, columns: columns, filterModel: api.getFilterModel(), sortModel: sortModel };
    }
    var rows = [];
    api.forEachNodeAfterFilterAndSort(function (node) { if (node.data) { rows.push(node.data); } });
    return { n: nClicks, columns: columns, rows: rows };
  }
  window.dash_clientside = Object.assign({}, window.dash_clientside, {
    grids: { collect: collect },
  });
})();
