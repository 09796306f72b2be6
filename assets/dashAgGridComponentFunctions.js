// Cell renderers for dash-ag-grid. Text from data goes in as React text, never as HTML.
var dagcomponentfuncs = (window.dashAgGridComponentFunctions =
  window.dashAgGridComponentFunctions || {});

// A unit's name linking to its page, keeping the view (cut-off, filters) of the address bar.
// A plain click moves within the app as dcc.Link does; Ctrl/⌘-click opens a new tab.
dagcomponentfuncs.UnitLink = function (props) {
  if (props.value === null || props.value === undefined) {
    return null;
  }
  if (!props.data || props.data.unit_id === undefined) {
    return String(props.value);
  }
  var href = "/don-vi/" + encodeURIComponent(props.data.unit_id) + window.location.search;
  var onClick = function (event) {
    if (event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey) {
      return;
    }
    event.preventDefault();
    window.history.pushState({}, "", href);
    window.dispatchEvent(new CustomEvent("_dashprivate_pushstate"));
    window.scrollTo(0, 0);
  };
  return React.createElement("a", { href: href, onClick: onClick }, String(props.value));
};
