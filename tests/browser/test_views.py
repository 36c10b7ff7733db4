"""The web view in a real browser: what a person sees, that the filter narrows the list, that no
console error shows, and that hostile READMEs run nothing. Screenshots go to the run's output."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from testkit.hostile import wheel_with_metadata
from tests.browser.conftest import PHONE_WIDTH
from tests.support.devserver import Running, running_devserver, wait_for

README = """\
# Widget Toolkit

Widgets for *everyone*.

## Usage

```python
import widget
widget.make()
```
"""

#: Each README tries to run script (which would set ``window.pwned``); none may.
HOSTILE = {
    "script-tag": "<script>window.pwned = 1</script>",
    "onerror": '<img src="x" onerror="window.pwned = 1">',
    "onload": '<body onload="window.pwned = 1"><p onload="window.pwned = 1">x</p>',
    "javascript-link": "[click](javascript:window.pwned=1) "
    '<a id="evil" href="javascript:window.pwned=1">a</a>',
    "iframe": '<iframe src="javascript:parent.pwned=1"></iframe>'
    '<iframe srcdoc="<script>parent.pwned=1</script>">',
    "svg-onload": '<svg onload="window.pwned = 1"><script>window.pwned = 1</script></svg>',
    "data-url": '<a id="evil" href="data:text/html,<script>alert(1)</script>">d</a>'
    '<object data="data:text/html,<script>parent.pwned=1</script>"></object>',
    "css-expression": '<div style="width: expression(window.pwned = 1); '
    'background:url(javascript:window.pwned=1)">x</div>'
    "<style>body{background:url(javascript:window.pwned=1)}</style>",
}


def _metadata(name: str, version: str, summary: str, body: str, kind: str = "text/markdown") -> bytes:
    head = (
        f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\nSummary: {summary}\n"
        f"Requires-Python: >=3.9\nDescription-Content-Type: {kind}\n\n"
    )
    return (head + body).encode()


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    """A dev server over a fixture index: a project with three versions (the newest yanked), a
    reStructuredText one, and one project per hostile README."""
    data = tmp_path_factory.mktemp("views-data")
    wheels: dict[str, bytes] = {}
    for version in ("1.0", "1.1", "2.0"):
        meta = _metadata("widget", version, "Widgets for everyone", README)
        wheels[f"widget/widget-{version}-py3-none-any.whl"] = wheel_with_metadata("widget", version, meta)
    rst = _metadata("rst-doc", "0.3", "Written in reST", "Title\n=====\n\nSome *text*.\n", "text/x-rst")
    wheels["rst-doc/rst_doc-0.3-py3-none-any.whl"] = wheel_with_metadata("rst_doc", "0.3", rst)
    for case, body in HOSTILE.items():
        name = f"hostile-{case}"
        meta = _metadata(name, "1.0", "hostile", body)
        module = name.replace("-", "_")
        wheels[f"{name}/{module}-1.0-py3-none-any.whl"] = wheel_with_metadata(module, "1.0", meta)
    for key, content in wheels.items():
        (data / key).parent.mkdir(parents=True, exist_ok=True)
        (data / key).write_bytes(content)
    with running_devserver(data, tmp_path_factory.mktemp("views-logs")) as running:
        s3 = running.s3()
        s3.put_object_tagging(
            Bucket=running.bucket,
            Key="widget/widget-2.0-py3-none-any.whl",
            Tagging={"TagSet": [{"Key": "pypi-yanked", "Value": "broken build"}]},
        )
        root = running.index_url.replace("/simple/", "/project/")
        wait_for(lambda: "broken build" in _text(root + "widget/2.0/"), what="the yanked view")
        wait_for(lambda: all(_ok(f"{root}hostile-{c}/") for c in HOSTILE), what="the hostile views")
        yield running


def _text(url: str) -> str:
    response = requests.get(url, timeout=10)
    return response.text if response.status_code == 200 else ""


def _ok(url: str) -> bool:
    return requests.get(url, timeout=10).status_code == 200


def _views(site: Running) -> str:
    return site.index_url.replace("/simple/", "/project/")


def _errors(browser: Any) -> list[dict[str, Any]]:
    return [entry for entry in browser.get_log("browser") if entry["level"] == "SEVERE"]


def test_project_view_shows_the_newest_version_not_yanked(
    browser: Any, site: Running, screenshots: Path
) -> None:
    from selenium.webdriver.common.by import By

    browser.get_log("browser")  # start from a clean console
    browser.get(_views(site) + "widget/")
    text = browser.find_element(By.TAG_NAME, "body").text
    assert browser.find_element(By.ID, "name").text == "widget 1.1"  # 2.0 is yanked
    assert browser.find_element(By.ID, "summary").text == "Widgets for everyone"
    headings = [h.text for h in browser.find_elements(By.CSS_SELECTOR, ".readme h1, .readme h2")]
    assert headings == ["Widget Toolkit", "Usage"]
    assert "widget.make()" in browser.find_element(By.CSS_SELECTOR, ".readme pre").text
    index = site.index_url
    assert browser.find_element(By.ID, "install-pip").text == f"pip install --index-url {index} widget==1.1"
    assert browser.find_element(By.ID, "install-uv").text == f"uv pip install --index-url {index} widget==1.1"
    assert browser.find_element(By.ID, "requires-python").text == "Requires: Python >=3.9"
    files = [f.text for f in browser.find_elements(By.CSS_SELECTOR, "ul.files .filename")]
    assert files == ["widget-1.1-py3-none-any.whl"]
    assert len(browser.find_element(By.CSS_SELECTOR, ".sha256").text) == 64
    history = [li.text.split()[0:2] for li in browser.find_elements(By.CSS_SELECTOR, "ul.history li")]
    assert [h[0] for h in history] == ["2.0", "1.1", "1.0"] and history[0][1] == "yanked"
    assert "Simple API page" in text
    viewport = browser.execute_script("return window.innerWidth")
    width = browser.execute_script("return document.documentElement.scrollWidth")
    assert viewport == PHONE_WIDTH and width <= viewport, f"sideways scrolling on a phone: {width}px"
    browser.save_screenshot(str(screenshots / "project-widget.png"))
    assert _errors(browser) == []


def test_yanked_version_says_so_with_its_reason(browser: Any, site: Running) -> None:
    from selenium.webdriver.common.by import By

    browser.get(_views(site) + "widget/2.0/")
    assert browser.find_element(By.ID, "yanked").text == "This version was yanked. Reason: broken build"
    assert browser.find_element(By.ID, "version").text == "2.0"
    assert _errors(browser) == []


def test_rst_readme_is_rendered(browser: Any, site: Running) -> None:
    from selenium.webdriver.common.by import By

    browser.get(_views(site) + "rst-doc/")
    assert "Some text." in browser.find_element(By.CSS_SELECTOR, ".readme").text
    assert browser.find_element(By.CSS_SELECTOR, ".readme em").text == "text"


def test_filter_narrows_the_list_of_projects(browser: Any, site: Running, screenshots: Path) -> None:
    from selenium.webdriver.common.by import By

    browser.get_log("browser")
    browser.get(_views(site))
    shown = [li for li in browser.find_elements(By.CSS_SELECTOR, "ul.projects li") if li.is_displayed()]
    assert len(shown) == 2 + len(HOSTILE)
    widget = next(li for li in shown if li.get_attribute("data-name") == "widget")
    assert "1.1" in widget.text and "Widgets for everyone" in widget.text
    browser.save_screenshot(str(screenshots / "projects.png"))
    browser.find_element(By.ID, "filter").send_keys("Wid")
    shown = [
        li.get_attribute("data-name")
        for li in browser.find_elements(By.CSS_SELECTOR, "ul.projects li")
        if li.is_displayed()
    ]
    assert shown == ["widget"]
    assert browser.find_element(By.ID, "count").text == "1 project"
    assert _errors(browser) == []


def test_unknown_project_is_a_404_page(browser: Any, site: Running) -> None:
    from selenium.webdriver.common.by import By

    response = requests.get(_views(site) + "no-such-thing/", timeout=10, allow_redirects=False)
    assert response.status_code == 404 and "text/html" in response.headers["Content-Type"]
    browser.get(_views(site) + "no-such-thing/")
    assert "no-such-thing is not in this index" in browser.find_element(By.ID, "not-found").text


def test_non_normalized_name_redirects(site: Running) -> None:
    response = requests.get(_views(site) + "Widget_/", timeout=10, allow_redirects=False)
    assert response.status_code == 400  # not a valid name: ends with a separator
    response = requests.get(_views(site) + "WIDGET/", timeout=10, allow_redirects=False)
    assert response.status_code == 301 and response.headers["Location"] == "../widget/"


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_readme_runs_nothing(browser: Any, site: Running, case: str) -> None:
    from selenium.webdriver.common.by import By

    browser.get(_views(site) + f"hostile-{case}/")
    assert browser.find_element(By.ID, "name").text == f"hostile-{case} 1.0"
    for link in browser.find_elements(By.CSS_SELECTOR, ".readme a"):
        href = link.get_attribute("href") or ""
        assert not href.startswith(("javascript:", "data:")), href
        link.click() if link.is_displayed() else None
    assert browser.execute_script("return window.pwned === undefined && window.top === window") is True
    assert browser.find_elements(By.CSS_SELECTOR, ".readme script, .readme iframe, .readme object") == []
    assert browser.find_elements(By.CSS_SELECTOR, ".readme [style], .readme style") == []
