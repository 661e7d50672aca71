"""Script-injection payloads for the XSS browser test: every one must show as plain text wherever
it lands. Extend the list freely (one string per payload, no control characters: those are refused
before they are stored). Payloads that would run call ``alert`` or set ``window.__xss``; those
that would add markup carry ``data-xss`` where they can, so the test finds them in the page.
"""

from __future__ import annotations

PAYLOADS: list[str] = [
    "<script>alert('xss-1')</script>",
    "<img src=x onerror=alert('xss-2') data-xss>",
    "<svg onload=alert('xss-3') data-xss>",
    '"><script>alert("xss-4")</script>',
    "'><img src=x onerror=alert('xss-5') data-xss>",
    "javascript:alert('xss-6')",
    "<iframe src=\"javascript:alert('xss-7')\" data-xss></iframe>",
    "<body onload=alert('xss-8')>",
    "<a href=\"javascript:alert('xss-9')\" data-xss>click me</a>",
    "<details open ontoggle=alert('xss-10') data-xss>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert('xss-11')>",
    "{{ 7*7 }} and {% if true %}template{% endif %}",
    "${alert('xss-13')} #{alert(14)}",
    "</textarea><script>alert('xss-15')</script>",
    "</title><script>alert('xss-16')</script>",
    "<style>body{display:none}</style>",
    "<input autofocus onfocus=alert('xss-18') data-xss>",
    "<video><source onerror=alert('xss-19') data-xss></video>",
    "<object data=\"javascript:alert('xss-20')\" data-xss></object>",
    "<embed src=\"javascript:alert('xss-21')\" data-xss>",
    "<base href=\"javascript:alert('xss-22')//\">",
    '<meta http-equiv="refresh" content="0;url=javascript:alert(\'xss-23\')">',
    "';alert('xss-24');//",
    '");alert("xss-25");//',
    '<div hx-get="/logout" hx-trigger="load" data-xss>htmx load</div>',
    "<button hx-on:click=\"alert('xss-27')\" data-xss>htmx on</button>",
    '<img src=x onerror="window.__xss=28" data-xss>',
    "&lt;script&gt;alert('xss-29')&lt;/script&gt;",
    "<scr<script>ipt>alert('xss-30')</scr</script>ipt>",
    "<svg><script>alert('xss-31')</script></svg>",
    "<form action=\"javascript:alert('xss-32')\" data-xss><button>go</button></form>",
    "\u2028\u2029<script>alert('xss-33')</script>",
    "<!--<img src=\"--><img src=x onerror=alert('xss-34')//\" data-xss>",
    "`-alert('xss-35')-`",
    "<a href=\" javas&#99;ript:alert('xss-36')\" data-xss>entity</a>",
    "<marquee onstart=alert('xss-37') data-xss>",
    '" onmouseover="alert(\'xss-38\')" data-xss="',
    "<noscript><p title=\"</noscript><img src=x onerror=alert('xss-39')>\">",
    "<template><script>alert('xss-40')</script></template>",
]
