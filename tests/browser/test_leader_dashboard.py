"""The leader's dashboard in Chromium: figures, charts drawn from the app's own JSON and script."""

import pytest

from tests.app.pdfs import make_pdf

pytestmark = pytest.mark.browser

FIELDS = {
    "doc_type": "CV",
    "issued_date": "2026-03-02",
    "issuing_org": "Ủy ban nhân dân tỉnh Cao Bằng",
    "signer_name": "Hoàng Văn Đức",
    "signer_position": "Chủ tịch",
    "urgency": "0",
    "confidentiality": "0",
    "received_via": "email",
}

# Non-transparent pixels of a canvas: Chart.js draws axes, bars and the legend.
INKED_PIXELS = """canvas => {
  const data = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
  let inked = 0;
  for (let i = 3; i < data.length; i += 4) { if (data[i] > 0) inked++; }
  return inked;
}"""


def _token(request, base, username):
    resp = request.post(
        base + "/api/v1/auth/token", data={"username": username, "password": "vanthu-demo"}
    )
    assert resp.status == 201, resp.text()
    return {"Authorization": f"Bearer {resp.json()['token']}"}


def _history(request, base):
    """Two documents of this year: one directed to QLKH, one waiting for the leader."""
    clerk, leader = _token(request, base, "vanthu"), _token(request, base, "giamdoc")
    head = _token(request, base, "truongphong")
    leader_id = request.get(base + "/api/v1/me", headers=leader).json()["id"]
    qlkh = request.get(base + "/api/v1/me", headers=head).json()["department"]["id"]
    ids = []
    for n in (1, 2):
        pdf = {"name": "vanban.pdf", "mimeType": "application/pdf", "buffer": make_pdf()}
        resp = request.post(
            base + "/api/v1/incoming",
            headers=clerk,
            multipart={
                **FIELDS,
                "number_notation": f"{n}/UBND-VP",
                "subject": f"Việc {n}",
                "file": pdf,
            },
        )
        assert resp.status == 201, resp.text()
        doc_id = resp.json()["id"]
        resp = request.post(
            f"{base}/api/v1/incoming/{doc_id}/submit", headers=clerk, data={"leader_id": leader_id}
        )
        assert resp.status == 200, resp.text()
        ids.append(doc_id)
    resp = request.post(
        f"{base}/api/v1/incoming/{ids[0]}/direct",
        headers=leader,
        data={"lead": qlkh, "lead_deadline": "2099-12-31"},
    )
    assert resp.status == 200, resp.text()


def test_leader_sees_the_organisation_figures_and_the_charts(live_server, page) -> None:
    _history(page.request, live_server)
    external, chart_data = [], []
    page.on("request", lambda req: req.url.startswith(live_server) or external.append(req.url))
    page.on("response", lambda resp: "chart.json" in resp.url and chart_data.append(resp.status))
    page.goto(live_server + "/login")
    page.fill("input[name=username]", "giamdoc")
    page.fill("input[name=password]", "vanthu-demo")
    with page.expect_navigation():
        page.click("form.form button[type=submit]")
    assert page.url == live_server + "/"

    figures = page.locator("#organisation-figures")
    assert figures.is_visible()
    assert figures.locator("[data-figure=received]").inner_text() == "2"
    assert figures.locator("[data-figure=in_progress_on_time]").inner_text() == "2"
    assert page.locator("#overdue-items").is_visible()

    for key in ("by_department", "by_month"):
        canvas = page.locator(f"canvas[data-chart={key}]")
        page.wait_for_selector(f"canvas[data-chart={key}][data-drawn='1']", timeout=10000)
        box = canvas.bounding_box()
        assert box and box["width"] > 100 and box["height"] > 100
        assert canvas.evaluate(INKED_PIXELS) > 500, f"{key} chart is blank"
    assert page.evaluate("typeof Chart") == "function"  # the vendored library, served locally
    assert chart_data == [200]  # one JSON request feeds both charts
    assert external == [], f"requests left the app: {external}"
