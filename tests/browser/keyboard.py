"""Keyboard helpers: what has the focus, is it visible, and walking a page with Tab alone."""

_FOCUSED = """() => {
  const el = document.activeElement;
  if (!el || el === document.body || el === document.documentElement) return null;
  const s = getComputedStyle(el);
  const r = el.getBoundingClientRect();
  const all = Array.from(document.querySelectorAll('*'));
  return {
    key: el.tagName.toLowerCase() + '#' + (el.id || '') + '@' + all.indexOf(el),
    tag: el.tagName.toLowerCase(), id: el.id, name: el.getAttribute('name'),
    text: (el.innerText || el.value || el.getAttribute('aria-label') || '').trim().slice(0, 60),
    outline: s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0,
    shadow: s.boxShadow !== 'none',
    on_screen: r.width > 0 && r.height > 0 && r.bottom > 0 && r.right > 0
      && r.top < window.innerHeight && r.left < window.innerWidth,
  };
}"""

# What sequential navigation should reach: visible, enabled, not removed with tabindex=-1, and only
# one radio button per group.
_TABBABLE = """() => {
  const sel = 'a[href], button, input:not([type=hidden]), select, textarea, summary, [tabindex], video[controls]';
  const seen = new Set();
  return Array.from(document.querySelectorAll(sel)).filter(el => {
    if (el.disabled || el.tabIndex < 0 || el.closest('[inert]')) return false;
    // checkVisibility() also sees through closed <details> (content-visibility: hidden).
    if (!el.checkVisibility({visibilityProperty: true}) || !el.getClientRects().length) return false;
    if (el.type === 'radio') { if (seen.has(el.name)) return false; seen.add(el.name); }
    return true;
  }).length;
}"""


_TO_TOP = """() => {
  const t = document.createElement('span'); t.tabIndex = -1; document.body.prepend(t); t.focus(); t.remove();
  window.scrollTo(0, 0);
}"""


def focused(page) -> dict | None:
    """The focused element (None for the page itself) with whether its focus indicator shows."""
    return page.evaluate(_FOCUSED)


def focus_is_visible(info: dict) -> bool:
    return bool(info and (info["outline"] or info["shadow"]) and info["on_screen"])


def tab_through(page, *, limit: int = 200) -> list[dict]:
    """Press Tab from the top of the page until focus leaves the page or wraps round to the first stop;
    the distinct elements reached.

    Fails when focus cycles back to anything but the first stop (a trap). Date inputs take
    several Tab presses (one per part), so consecutive stops on one element count once.
    """
    # Start from the top even when the page put the focus somewhere (an error summary): focus a
    # throwaway element at the start of <body> and remove it, which leaves the starting point there.
    # The browser applies `autofocus` at a rendering step after load: wait two frames for it first,
    # or it may take the focus back from the top after we put it there (a flaky first stop).
    page.evaluate("() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))")
    page.evaluate(_TO_TOP)
    stops: list[dict] = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        info = focused(page)
        if info is None or (stops and info["key"] == stops[0]["key"]):
            return stops  # left the page, or (headless, no browser chrome) wrapped round to the start
        if stops and info["key"] == stops[-1]["key"]:
            continue
        visited = [s["text"][:20] or s["key"] for s in stops]
        assert info["key"] not in {s["key"] for s in stops}, f"focus came back to {info} without leaving: {visited}"
        stops.append(info)
    raise AssertionError(f"focus never left the page after {limit} Tab presses: {stops[-5:]}")


def shift_tab_back(page, count: int) -> list[dict]:
    """From the first stop, Shift+Tab round to the end of the page and `count` distinct stops backwards."""
    stops: list[dict] = []
    for attempt in range(count * 4):
        page.keyboard.press("Shift+Tab")
        info = focused(page)
        if info is None:
            if attempt == 0:
                continue  # out of the page first (when there is browser chrome to go to)
            break
        if stops and info["key"] == stops[-1]["key"]:
            continue
        stops.append(info)
        if len(stops) == count:
            break
    return stops


def tabbable_count(page) -> int:
    return page.evaluate(_TABBABLE)


def tab_to(page, selector: str, *, limit: int = 60) -> dict:
    """Press Tab until the element matching `selector` has the focus; fails if it is never reached."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("(s) => document.activeElement && document.activeElement.matches(s)", selector):
            info = focused(page)
            assert focus_is_visible(info), f"no visible focus on {info}"
            return info
    raise AssertionError(f"Tab never reached {selector}")
