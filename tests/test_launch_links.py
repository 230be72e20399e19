"""Launch buttons (issue 11): each notebook page of the built book links to Binder and to Colab at the
repository of ``_config.yml``, for a notebook that the repository holds, and its GitHub links go there too."""

from __future__ import annotations

import re
import subprocess

import pytest
import yaml
from book_fixtures import HTML, ROOT
from book_pages import PAGES


def launch_links(page: str) -> list[str]:
    from html import unescape

    html = (HTML / f"{page}.html").read_text(encoding="utf-8")
    links = [unescape(u) for u in re.findall(r'href="([^"]+)"', html)]
    return [u for u in links if re.match(r"https://(mybinder\.org|colab\.research\.google\.com|github\.com)/", u)]


@pytest.mark.parametrize("page", [p for p in PAGES if (ROOT / f"{p}.ipynb").is_file()])
def test_launch_links_point_at_the_repository(book_build, page):
    import posixpath
    from urllib.parse import urlparse

    repository = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))["repository"]
    url, branch = repository["url"].rstrip("/"), repository.get("branch", "main")
    org_repo = urlparse(url).path.strip("/")
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True).stdout.split()
    links = launch_links(page)
    launchers = [u for u in links if "mybinder.org" in u or "colab.research" in u]
    assert len(launchers) == 2, f"{page}: expected a Binder and a Colab link, found {launchers}"
    for link in launchers:
        m = (re.match(rf"^https://mybinder\.org/v2/gh/{org_repo}/{branch}\?urlpath=lab/tree/(.+)$", link)
             or re.match(rf"^https://colab\.research\.google\.com/github/{org_repo}/blob/{branch}/(.+)$", link))
        assert m, f"{page}: {link} does not point at {url} ({branch})"
        path = m[1]
        assert posixpath.normpath(path) == path == f"{page}.ipynb", f"{page}: {link}"
        assert path in tracked, f"{page}: {link} names {path}, which the repository does not hold"
    github = [u for u in links if u.startswith("https://github.com/")]
    assert github and all(u.startswith(url) for u in github), f"{page}: {github}"
