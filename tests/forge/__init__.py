"""The project's own generator of scanned test documents with exact truth.

    python -m tests.forge --out DIR [--count N] [--seed S] [--profiles clean,office,fax,worn]
                          [--variations plain,hairline,...] [--broken 0.3]

`content` says what a document holds (figures, mandated tables, body text, budget tables), `layout`
draws it in a `Style` (every print variation is a field), `scan` degrades it with a `Profile`, and
`documents` puts them together and writes NAME.pdf beside NAME.truth.json.
"""

from .documents import VARIATIONS, DocSpec, forge, spec_for
from .layout import Style
from .scan import PROFILES, Profile

__all__ = ["VARIATIONS", "PROFILES", "DocSpec", "Profile", "Style", "forge", "spec_for"]
