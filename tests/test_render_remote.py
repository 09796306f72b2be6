"""A background job draws its charts on the web worker's warm renderer (reporting/render.py):
the worker serves its renderer on a Unix socket, a job (a fork, as the DiskcacheManager starts
it) sends figures there and gets the images back; without an answer it draws on its own."""

from __future__ import annotations

import os
import threading

import plotly.graph_objects as go
import pytest

from reporting.render import ChartRenderer, ExportUnavailable, RemoteRenderer


class CountingRenderer(ChartRenderer):
    """A renderer that draws nothing: it says which process and thread drew what."""

    def __init__(self, answer: ExportUnavailable | None = None) -> None:
        super().__init__()
        self.drawn: list[tuple[str, str, int, int, float, int]] = []
        self.answer = answer

    def render(self, fig, fmt, *, width=900, height=420, scale=2):
        if self.answer:
            raise self.answer
        self.drawn.append((fig.layout.title.text, fmt, width, height, scale, os.getpid()))
        return f"{fig.layout.title.text}|{fmt}|{threading.current_thread().name}".encode()


def _figure(title: str) -> go.Figure:
    return go.Figure(go.Bar(x=["Cờ Đỏ", "Ninh Kiều"], y=[3, 4]), layout={"title": title})


@pytest.fixture
def served():
    renderer = CountingRenderer()
    yield renderer
    renderer.close()


def test_a_job_draws_on_the_serving_renderer(served: CountingRenderer) -> None:
    remote = RemoteRenderer(served.address())
    got = remote.render(_figure("Biên chế công chức"), "png", width=600, height=300, scale=1)
    assert got.startswith("Biên chế công chức|png|".encode())
    assert served.drawn == [("Biên chế công chức", "png", 600, 300, 1, os.getpid())]
    remote.close()


def test_a_forked_job_draws_in_the_parent(served: CountingRenderer) -> None:
    """The child (like a DiskcacheManager job) asks; the parent's renderer draws."""
    address = served.address()
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the job
        os.close(read)
        code = 1
        try:
            image = RemoteRenderer(address).render(_figure("Người làm việc"), "pdf")
            os.write(write, image)
            code = 0
        finally:
            os._exit(code)
    os.close(write)
    with os.fdopen(read, "rb") as pipe:
        image = pipe.read()
    assert os.waitpid(pid, 0)[1] == 0
    assert image.startswith("Người làm việc|pdf|".encode())
    assert [(d[0], d[5]) for d in served.drawn] == [("Người làm việc", os.getpid())]


def test_why_not_comes_back_in_vietnamese() -> None:
    served = CountingRenderer(ExportUnavailable("Máy chủ chưa có trình duyệt Chromium"))
    try:
        with pytest.raises(ExportUnavailable, match="chưa có trình duyệt"):
            RemoteRenderer(served.address()).render(_figure("x"), "png")
    finally:
        served.close()


def test_without_an_answer_the_job_draws_on_its_own(tmp_path, monkeypatch) -> None:
    served = CountingRenderer()
    address = served.address()
    served.close()  # the web worker is gone: its socket too
    assert not os.path.exists(address)
    local = CountingRenderer()
    remote = RemoteRenderer(address, local=local)
    assert remote.render(_figure("Tinh giản"), "png").startswith(b"Tinh gi")
    assert [d[0] for d in local.drawn] == ["Tinh giản"]
    dead = tmp_path / "render.sock"
    dead.write_text("")  # a file that is no socket: connecting fails, drawing goes on
    remote = RemoteRenderer(str(dead), local=local)
    remote.render(_figure("Sắp xếp"), "png")
    assert [d[0] for d in local.drawn] == ["Tinh giản", "Sắp xếp"]


def test_the_socket_is_private_and_removed_on_close() -> None:
    renderer = CountingRenderer()
    address = renderer.address()
    assert renderer.address() == address  # one socket per process
    assert os.stat(os.path.dirname(address)).st_mode & 0o077 == 0
    renderer.close()
    assert not os.path.exists(os.path.dirname(address))
