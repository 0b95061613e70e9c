"""The docs site in a real browser: serve _site/ on 127.0.0.1 and open every page in headless Chromium (selenium).

Fails on any console error, any <img> that did not load (naturalWidth 0), or any internal link (page, file or #anchor)
that does not resolve; saves screenshots of the index, of one experiment page and of `gw`'s API entry under build/site-screenshots/.
Under CI=true it must run; elsewhere, without Chromium and its driver (Debian: chromium, chromium-driver), it skips and says why.
"""
from __future__ import annotations
import argparse, functools, html.parser, http.server, os, shutil, sys, threading, time
from pathlib import Path
from urllib.parse import urljoin, urlparse, unquote

ROOT = Path(__file__).resolve().parents[1]


class _Links(html.parser.HTMLParser):
    "Every href and every id/name in a page."
    def __init__(self):
        super().__init__(); self.hrefs, self.ids = [], set()
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "a" and a.get("href"): self.hrefs.append(a["href"])
        for k in ("id", "name"):
            if a.get(k): self.ids.add(a[k])


def parse(path:Path)->_Links:
    p = _Links(); p.feed(path.read_text(errors="replace")); return p


def broken_links(site:Path)->list[str]:
    "Every internal link of every page whose file, or #anchor in it, does not exist."
    pages = sorted(site.rglob("*.html")); parsed = {p: parse(p) for p in pages}; problems = []
    for page, links in parsed.items():
        for href in links.hrefs:
            u = urlparse(href)
            if u.scheme or u.netloc or href.startswith(("mailto:", "javascript:")): continue   # external: not ours to check offline
            target = page if not u.path else (page.parent/unquote(u.path)).resolve()
            if target.is_dir(): target = target/"index.html"
            if not target.exists(): problems.append(f"{page.relative_to(site)}: {href} -> no such file"); continue
            if u.fragment and target.suffix == ".html":
                ids = parsed[target].ids if target in parsed else parse(target).ids
                if unquote(u.fragment) not in ids: problems.append(f"{page.relative_to(site)}: {href} -> no #{u.fragment}")
    return problems


def serve(site:Path):
    "A static server for `site` on 127.0.0.1 (a free port), in a thread. Returns (server, base url)."
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *a): pass
    handler = functools.partial(Quiet, directory=str(site))
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv, f"http://127.0.0.1:{srv.server_address[1]}/"


def browser():
    "Headless Chromium through the system chromedriver (never a download)."
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    opts = webdriver.ChromeOptions()
    opts.binary_location = shutil.which("chromium")
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1280,1000"):
        opts.add_argument(arg)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service(executable_path=shutil.which("chromedriver")), options=opts)


_IMAGES = """
const imgs = Array.from(document.images);
imgs.forEach(i => { i.loading = 'eager'; });
return imgs.map(i => [i.getAttribute('src'), i.complete, i.naturalWidth]);
"""


def check_page(driver, url:str, timeout:float=15)->tuple[list[str], int]:
    "Open `url`; return (problems, number of images)."
    driver.get(url)
    t = time.time()
    while True:
        ready = driver.execute_script("return document.readyState") == "complete"
        imgs = driver.execute_script(_IMAGES)
        if ready and all(done for _, done, _ in imgs) or time.time() - t > timeout: break
        time.sleep(0.1)
    problems = [f"<img src={src!r}> did not load (naturalWidth 0)" for src, done, w in imgs if not w]
    problems += [f"console {e['level']}: {e['message']}" for e in driver.get_log("browser") if e["level"] == "SEVERE"]
    return problems, len(imgs)


def screenshot(driver, url:str, out:Path, selector:str="img"):
    "A 1280×1000 screenshot of `url`, scrolled so that the first `selector` element is in view."
    driver.get(url); time.sleep(0.5)
    driver.execute_script(f"const e = document.querySelector({selector!r}); if (e) e.scrollIntoView({{block: 'start', behavior: 'instant'}});")
    time.sleep(1.0)   # MathJax and the image decode
    driver.save_screenshot(str(out))


def main(argv=None)->int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--site", default=str(ROOT/"_site"))
    ap.add_argument("--screenshots", default=str(ROOT/"build"/"site-screenshots"))
    a = ap.parse_args(argv)
    site, shots = Path(a.site), Path(a.screenshots)
    ci = os.environ.get("CI", "").lower() == "true"
    missing = [b for b in ("chromium", "chromedriver") if not shutil.which(b)]
    if missing:
        why = f"{' and '.join(missing)} not found (Debian: apt-get install chromium chromium-driver; `make test` installs them when run as root)"
        if ci: print(f"ERROR: the browser check must run under CI=true, but {why}"); return 1
        print(f"SKIPPED the browser check of the docs site: {why}"); return 0
    if not (site/"index.html").exists(): print(f"ERROR: no site in {site}; run `make docs` first"); return 1
    t = time.time()
    problems = broken_links(site)
    pages = sorted(p.relative_to(site).as_posix() for p in site.rglob("*.html") if p.name not in ("genindex.html", "search.html"))
    srv, base = serve(site)
    driver = browser()
    n_imgs = 0
    try:
        for page in pages:
            found, k = check_page(driver, urljoin(base, page)); n_imgs += k
            problems += [f"{page}: {p}" for p in found]
        shots.mkdir(parents=True, exist_ok=True)
        experiment = next((p for p in pages if p.startswith("nbs/50")), next(p for p in pages if p.startswith("nbs/1")))
        screenshot(driver, urljoin(base, "index.html"), shots/"index.png")
        screenshot(driver, urljoin(base, experiment), shots/"experiment.png", selector="section img")
        screenshot(driver, urljoin(base, "nbs/02_gw.html"), shots/"api_gw.png", selector='[id="gwpaper.gw.gw"]')
    finally:
        driver.quit(); srv.shutdown()
    print(f"browser check: {len(pages)} pages, {n_imgs} images, in headless Chromium ({time.time() - t:.0f} s); "
          f"screenshots in {shots}/ (index.png, experiment.png = {experiment}, api_gw.png)")
    if problems:
        print(f"ERROR: {len(problems)} problems:"); print("\n".join(f"  {p}" for p in problems)); return 1
    print("browser check: every page loaded without console errors, every image loaded, every internal link resolves")
    return 0


if __name__ == "__main__":
    sys.exit(main())
