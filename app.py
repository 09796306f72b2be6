"""The Dash app: builds the app and its shell. `server = app.server` for gunicorn.

Configuration comes from the environment (DATABASE_URL, HOST, PORT); the engine lives on the
Flask app object, never in a module global, so the app runs as several worker processes.
"""

from __future__ import annotations

import dash
from dash import Input, Output, dcc, html
from flask import Flask, current_app

from components.cards import make_summary_cards
from etl import service
from etl.formatting import fmt_date
from etl.settings import Settings, load_settings


def get_engine():  # noqa: ANN201 - sqlalchemy Engine
    """The engine of the running app (one per process, made at start)."""
    return current_app.extensions["tgbc_engine"]


def create_app(settings: Settings | None = None) -> dash.Dash:
    settings = settings or load_settings()
    server = Flask(__name__)
    server.extensions["tgbc_engine"] = service.open_engine(settings.database_url, settings)
    app = dash.Dash(
        __name__,
        server=server,
        title="Tinh giản biên chế 2022 - 2026",
        update_title=None,
    )
    app.layout = html.Div(
        [
            dcc.Location(id="url"),
            html.Header(
                [
                    html.H1("Theo dõi tinh giản biên chế giai đoạn 2022 - 2026"),
                    html.P("Sở Nội vụ", className="subtitle"),
                ]
            ),
            html.Main(id="overview"),
        ],
        className="shell",
    )

    @app.callback(Output("overview", "children"), Input("url", "search"))
    def show_overview(_search: str | None) -> html.Div:
        summary = service.summary(get_engine())
        return html.Div(
            [
                html.P(
                    f"{summary['scope']} — số liệu tính đến ngày {fmt_date(summary['as_of'])}",
                    className="as-of",
                ),
                make_summary_cards(summary),
            ]
        )

    return app


app = create_app()
server = app.server

if __name__ == "__main__":
    cfg = load_settings()
    app.run(host=cfg.host, port=cfg.port, debug=False)
