"""Pure functions returning Dash components or plotly figures."""
