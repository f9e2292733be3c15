"""Fuzzy ICD-10-CM candidates for condition names that no lexicon synonym matches.

The knowledge base is built from the shipped vocabularies only: the synonyms of
``rules/conditions.jsonl`` (curated: they win) and every billable code and category of
``simple-icd-10-cm`` with its description (chapters, blocks and the non-billable
subcategories between them are no targets; neither are the external-cause codes V-Y nor
the injury codes of a subsequent encounter or a sequela: ~45,000 aliases in all).  A
description also gives shorter aliases without an ending such as ``, unspecified`` or
``, unspecified eye`` (``description_suffixes``) or the start ``Unspecified``, so
``Rheumatoid arthritis, unspecified`` (M06.9) answers a bare ``rheumatoid arthritis``; a
shorter alias never displaces a description that already says it (``Asthma``, J45).

Candidates are the nearest aliases by cosine similarity of character 3-gram TF-IDF
vectors, as scispaCy's candidate generator computes them (``char_wb`` 3-grams: each word
padded with one space; smooth idf ``ln((1 + N) / (1 + df)) + 1``; raw counts; L2 norm),
with one change for precision: a query's 3-grams that no alias has still count in its
norm (at the largest idf), so an unknown word lowers the score instead of vanishing.

Why not scispaCy's own machinery: its ``CandidateGenerator`` loads the vectorizer with
joblib (pickle, which the package never uses) and approximates neighbours with an nmslib
HNSW index, one more native index to build, cache and trust for ~46,000 aliases.  Why not
scikit-learn's ``TfidfVectorizer``: importing scikit-learn alone takes ~1 s.  Brute force
is exact and fast enough: a batch of queries is one sparse product with the (3-gram x
alias) matrix, ~0.5 ms a query, and answers are remembered per name.  Building the index
takes ~3 s (importing ``simple_icd_10_cm`` alone ~1.2 s), so it is built on first use
(not at import: most runs start with the rules alone) and cached as
``condition-candidates-<key>.npz`` (plain arrays, ``allow_pickle=False``) in the drug
dictionary's cache directory, keyed by this module's format and the versions of trialnlp
and ``simple-icd-10-cm`` and the contents of the two rule files, so any change rebuilds
it (and writing it removes the files of other keys).  Where nothing can be written it is
built in memory each time.

Whether a candidate is accepted (threshold, the words an alias may add or leave out,
misspellings, opposites, shortest and longest query) is data:
``rules/condition_candidates.json`` (see :class:`CandidateRules`).  The rules were tuned on
Chia train Condition mentions only.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
import threading
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from itertools import islice, pairwise
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..cache import cache_dir, package_version, write_atomically
from ..errors import RuleError
from ..resources import load_json, rule_path
from .lexicon import conditions

if TYPE_CHECKING:
    import numpy as np
    import scipy.sparse

    from ..types import Constraint

FORMAT = 1  # of the cache file
RULES = "condition_candidates.json"
ICD_DISTRIBUTION = "simple_icd_10_cm"
_NON_ALNUM = re.compile(r"[^a-z0-9]+")
# Origins of an alias, best first: ties and duplicates go to the better one.
CURATED, DESCRIPTION, SHORTENED = "curated", "description", "shortened"


@dataclass(frozen=True, slots=True)
class CandidateRules:
    """``rules/condition_candidates.json``: how aliases are built and candidates accepted.

    The nearest of the ``candidates`` nearest aliases is accepted whose similarity is at
    least ``threshold`` and whose alias adds no word to the query (each alias word is one
    of the query's, give or take an ending or a misspelling, see :func:`same_word`, or one
    of ``free_words``): ``ulcers`` is no ``leg ulcers``, ``disorder`` no ``tic disorder``,
    and no query word is left unsaid by the alias, except ``free_words`` and ``modifiers``
    (``massive hemoptysis`` is ``hemoptysis``, ``fetal asphyxia`` no ``asphyxia``).  Else
    a near miss is accepted where it is a misspelling of the alias (with the same words):
    at least ``misspelling_threshold``, and at most one edit per ``letters_per_edit``
    letters of the query (and ``max_edits``) away (``osteoporsis``).  Neither is accepted
    where the alias says the opposite of the query (``opposites``: one has a word starting
    ``hyper``, the other none but one starting ``hypo``; ``left``/``right``; ...).
    """

    threshold: float
    min_letters: int
    max_words: int
    abbreviation_letters: int  # a single word in capitals this short is never coded
    never: frozenset[str]
    exclude_code_prefixes: tuple[str, ...]
    exclude_descriptions: tuple[str, ...]  # codes of later encounters: "..., sequela"
    description_suffixes: tuple[str, ...]
    description_prefixes: tuple[str, ...]
    free_words: frozenset[str]
    modifiers: frozenset[str]
    opposites: tuple[tuple[str, str], ...]
    spelling: tuple[tuple[str, str], ...]
    lead_words: frozenset[str]
    roman: dict[str, str]
    misspelling_threshold: float = 1.0
    letters_per_edit: int = 8
    max_edits: int = 0
    candidates: int = 1
    min_prefix: int = 5
    prefix_slack: int = 3
    word_edits: tuple[tuple[int, int], ...] = ()  # (from this many letters, edits allowed)
    # word endings that name different things on one stem: lymphocyt-osis / -openia
    endings: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        where = f"rules/{RULES}"
        for name in ("threshold", "misspelling_threshold"):
            value = getattr(self, name)
            if not 0.0 < value <= 1.0:
                raise RuleError(f"{where}: {name} {value!r}, expected 0 < t <= 1")
        counts = {"min_letters": self.min_letters, "max_words": self.max_words,
                  "misspelling.letters_per_edit": self.letters_per_edit,
                  "candidates": self.candidates,
                  "same_word.min_prefix": self.min_prefix}
        for name, value in counts.items():
            if value < 1:
                raise RuleError(f"{where}: {name} {value!r}, expected a positive integer")
        if self.max_edits < 0 or self.prefix_slack < 0 or any(
                n < 1 or e < 0 for n, e in self.word_edits):
            raise RuleError(f"{where}: misspelling.max_edits {self.max_edits!r}, "
                            f"same_word.prefix_slack {self.prefix_slack!r} and same_word.edits "
                            f"{[list(p) for p in self.word_edits]!r}, expected counts >= 0")
        for old, new in self.spelling:
            if not old or old != old.lower() or new != new.lower():
                raise RuleError(f"{where}: spelling [{old!r}, {new!r}], expected two "
                                "lower-case strings, the first non-empty")

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CandidateRules:
        try:
            numbered = data["numbered"]
            misspelling = data.get("misspelling") or {}
            same = data.get("same_word") or {}
            return cls(
                threshold=float(data["threshold"]), min_letters=int(data["min_letters"]),
                max_words=int(data["max_words"]),
                abbreviation_letters=int(data.get("abbreviation_letters", 0)),
                never=frozenset(key(t) for t in data.get("never") or ()),
                exclude_code_prefixes=tuple(data.get("exclude_code_prefixes") or ()),
                exclude_descriptions=tuple(
                    d.lower() for d in data.get("exclude_descriptions") or ()),
                description_suffixes=tuple(s.lower() for s in data["description_suffixes"]),
                description_prefixes=tuple(s.lower() for s in data["description_prefixes"]),
                free_words=frozenset(key(w) for w in data.get("free_words") or ()),
                modifiers=frozenset(key(w) for w in data.get("modifiers") or ()),
                opposites=tuple((key(a), key(b)) for a, b in data.get("opposites") or ()),
                spelling=tuple((str(a), str(b)) for a, b in data.get("spelling") or ()),
                lead_words=frozenset(numbered["lead_words"]), roman=dict(numbered["roman"]),
                misspelling_threshold=float(misspelling.get("threshold", 1.0)),
                letters_per_edit=int(misspelling.get("letters_per_edit", 8)),
                max_edits=int(misspelling.get("max_edits", 0)),
                candidates=int(data.get("candidates", 1)),
                min_prefix=int(same.get("min_prefix", 5)),
                prefix_slack=int(same.get("prefix_slack", 3)),
                word_edits=tuple(sorted((int(n), int(e)) for n, e in same.get("edits") or ())),
                endings=tuple(str(e).lower() for e in same.get("endings") or ()),
            )
        except (KeyError, TypeError, ValueError) as error:
            raise RuleError(f"rules/{RULES}: missing or malformed field ({error!r})") from error

    def to_dict(self) -> dict[str, Any]:
        return {"threshold": self.threshold, "min_letters": self.min_letters,
                "max_words": self.max_words, "abbreviation_letters": self.abbreviation_letters,
                "misspelling": {"threshold": self.misspelling_threshold,
                                "letters_per_edit": self.letters_per_edit,
                                "max_edits": self.max_edits},
                "candidates": self.candidates,
                "free_words": sorted(self.free_words), "modifiers": sorted(self.modifiers),
                "opposites": [list(pair) for pair in self.opposites],
                "same_word": {"min_prefix": self.min_prefix, "prefix_slack": self.prefix_slack,
                              "edits": [list(pair) for pair in self.word_edits],
                              "endings": list(self.endings)},
                "never": sorted(self.never),
                "exclude_code_prefixes": list(self.exclude_code_prefixes),
                "exclude_descriptions": list(self.exclude_descriptions),
                "description_suffixes": list(self.description_suffixes),
                "description_prefixes": list(self.description_prefixes),
                "spelling": [list(pair) for pair in self.spelling],
                "numbered": {"lead_words": sorted(self.lead_words), "roman": self.roman}}


@cache
def candidate_rules() -> CandidateRules:
    return CandidateRules.from_dict(load_json(RULES))


def key(text: str) -> str:
    """Lower case, accents dropped, punctuation runs to one space."""
    folded = unicodedata.normalize("NFKD", text.lower())
    return _NON_ALNUM.sub(" ", "".join(c for c in folded if not unicodedata.combining(c))).strip()


def normalise(text: str, rules: CandidateRules | None = None) -> str:
    """The form aliases and queries are compared in: :func:`key`, British spellings made
    American (``haemorrhage``), roman numerals after ``type``/``stage``/... made arabic."""
    rules = rules or candidate_rules()
    words = key(text).split()
    for i in range(1, len(words)):
        if words[i - 1] in rules.lead_words and words[i] in rules.roman:
            words[i] = rules.roman[words[i]]
    normal = " ".join(words)
    for old, new in rules.spelling:
        if old in normal:
            normal = normal.replace(old, new)
    return normal


def trigrams(normal: str) -> list[str]:
    """Character 3-grams of each word padded with one space (scikit-learn's ``char_wb``)."""
    grams = []
    for word in normal.split():
        padded = f" {word} "
        grams.extend(padded[i : i + 3] for i in range(max(1, len(padded) - 2)))
    return grams


def letters(text: str) -> int:
    return sum(ch.isalpha() for ch in text)


def edits(a: str, b: str, limit: int) -> int:
    """Optimal-string-alignment distance (insert, delete, substitute, swap two adjacent),
    or ``limit + 1`` once it exceeds ``limit``."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    before: list[int] | None = None
    previous = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = a[i - 1] != b[j - 1]
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if before is not None and i > 1 and j > 1 and a[i - 1] == b[j - 2] \
                    and a[i - 2] == b[j - 1]:
                current[j] = min(current[j], before[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        before, previous = previous, current
    return min(previous[len(b)], limit + 1)


def same_word(a: str, b: str, rules: CandidateRules | None = None) -> bool:
    """Whether two normalised words name the same thing, give or take an ending
    (``pneumoniae``/``pneumonia``, ``immunodepressed``/``immunodepression``: a common
    prefix of ``min_prefix`` letters or more, short of the shorter word by at most
    ``prefix_slack``) or a misspelling (``same_word.edits``), unless they end in two
    different ``same_word.endings`` (``-osis``/``-penia``)."""
    if a == b:
        return True
    rules = rules or candidate_rules()
    ending_a = next((e for e in rules.endings if a.endswith(e)), None)
    ending_b = next((e for e in rules.endings if b.endswith(e)), None)
    if ending_a is not None and ending_b is not None and ending_a != ending_b:
        return False  # "lymphocytosis" is no "lymphocytopenia", "hepatitis" no "hepatoma"
    shorter = min(len(a), len(b))
    common = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        common += 1
    if common >= max(rules.min_prefix, shorter - rules.prefix_slack) or (
            common == shorter and abs(len(a) - len(b)) <= 2 and shorter >= 3):
        return True  # a shared stem, or a plural ("cyst"/"cysts")
    allowed = max((e for n, e in rules.word_edits if shorter >= n), default=0)
    return allowed > 0 and edits(a, b, allowed) <= allowed


def opposed(query: str, alias: str, rules: CandidateRules | None = None) -> bool:
    """Whether one of ``query``/``alias`` has a word starting with one of an
    ``opposites`` pair, and the other one a word starting with the other, not the first."""
    rules = rules or candidate_rules()
    query_words, alias_words = query.split(), alias.split()

    def has(words: list[str], start: str) -> bool:
        return any(word.startswith(start) for word in words)

    for a, b in rules.opposites:
        for x, y in ((query_words, alias_words), (alias_words, query_words)):
            if has(x, a) and has(y, b) and not has(y, a) and not has(x, b):
                return True
    return False


def _unsaid(words: list[str], other: list[str], rules: CandidateRules) -> list[str]:
    """The ``words`` that no :func:`same_word` in ``other`` says, where two neighbours
    written as one are also the word they spell, on either side (``schizo affective``)."""
    compounds = {a + b for a, b in pairwise(other)}
    unsaid = []
    for i, word in enumerate(words):
        if any(same_word(word, o, rules) for o in other) or word in compounds:
            continue
        joined = [words[i - 1] + word] if i else []
        joined += [word + words[i + 1]] if i + 1 < len(words) else []
        if not any(j in other for j in joined):
            unsaid.append(word)
    return unsaid


def adds_words(query: str, alias: str, rules: CandidateRules | None = None) -> bool:
    """Whether ``alias`` says more than ``query``: has a word, not a ``free_words`` one,
    that is no :func:`same_word` of a query word."""
    rules = rules or candidate_rules()
    return any(word not in rules.free_words
               for word in _unsaid(alias.split(), query.split(), rules))


def drops_words(query: str, alias: str, rules: CandidateRules | None = None) -> bool:
    """Whether ``alias`` leaves a word of ``query`` unsaid (not a ``free_words`` or
    ``modifiers`` one: ``fetal asphyxia`` is no ``asphyxia``, ``massive hemoptysis`` is
    ``hemoptysis``)."""
    rules = rules or candidate_rules()
    return any(word not in rules.free_words and word not in rules.modifiers
               for word in _unsaid(query.split(), alias.split(), rules))


def matches(query: str, alias: str, rules: CandidateRules | None = None) -> bool:
    """Whether ``alias`` says what ``query`` says: no word added or dropped, nothing
    opposed."""
    rules = rules or candidate_rules()
    return not adds_words(query, alias, rules) and not drops_words(query, alias, rules) \
        and not opposed(query, alias, rules)


# -- the knowledge base --------------------------------------------------------------

def dotted(code: str) -> str:
    """``L811`` -> ``L81.1`` (ICD-10-CM writes a dot after the category's 3 characters)."""
    code = code.replace(".", "")
    return code if len(code) <= 3 else f"{code[:3]}.{code[3:]}"


def shortened(description: str, rules: CandidateRules | None = None) -> list[str]:
    """Shorter forms of a description: without a ``description_suffixes`` ending or a
    ``description_prefixes`` start, repeatedly (``Unspecified asthma, uncomplicated`` ->
    ``asthma, uncomplicated``, ``unspecified asthma``, ``asthma``)."""
    rules = rules or candidate_rules()
    forms: list[str] = []
    todo = [description.lower()]
    while todo:
        form = todo.pop()
        for suffix in rules.description_suffixes:
            if form.endswith(suffix) and len(form) > len(suffix):
                todo.append(form[: -len(suffix)])
        for prefix in rules.description_prefixes:
            if form.startswith(prefix) and len(form) > len(prefix):
                todo.append(form[len(prefix) :])
        if form not in forms:
            forms.append(form)
    return forms[1:]


def icd_targets(rules: CandidateRules | None = None) -> list[tuple[str, str]]:
    """``(ICD10CM:code, description)`` of every billable code and category of the
    installed ``simple-icd-10-cm`` (imports it: ~1.2 s), save those of
    ``exclude_code_prefixes`` and those whose description has one of
    ``exclude_descriptions`` (the injury codes of a later encounter or a sequela)."""
    import simple_icd_10_cm as icd

    rules = rules or candidate_rules()
    targets = []
    for code in icd.get_all_codes(False):  # without dots: "L811"
        if icd.is_chapter(code) or icd.is_block(code):
            continue
        if not (icd.is_category(code) or icd.is_leaf(code)):
            continue
        if code.startswith(rules.exclude_code_prefixes):
            continue
        description = icd.get_description(code)
        if any(part in description.lower() for part in rules.exclude_descriptions):
            continue
        targets.append((f"ICD10CM:{dotted(code)}", description))
    return targets


def knowledge_base(rules: CandidateRules | None = None,
                   targets: Iterable[tuple[str, str]] | None = None
                   ) -> list[tuple[str, str, str, str]]:
    """``(normalised alias, code, concept, origin)``, one per alias, the best first.

    Curated synonyms (and concept names) of ``rules/conditions.jsonl`` come first and win
    any alias they share; then ICD-10-CM descriptions (categories before their codes,
    shorter codes first); then descriptions :func:`shortened`.
    """
    rules = rules or candidate_rules()
    seen: dict[str, tuple[str, str, str, str]] = {}
    for condition in conditions():
        if condition.code is None:
            continue
        for synonym in (*condition.synonyms, condition.concept):
            alias = normalise(synonym, rules)
            if alias and alias not in seen:
                seen[alias] = (alias, condition.code, condition.concept, CURATED)
    icd = sorted(icd_targets(rules) if targets is None else targets,
                 key=lambda t: (len(t[0]), t[0]))
    for code, description in icd:
        alias = normalise(description, rules)
        if alias and alias not in seen:
            seen[alias] = (alias, code, description, DESCRIPTION)
    for code, description in icd:
        for form in shortened(description, rules):
            alias = normalise(form, rules)
            if alias and alias not in seen:
                seen[alias] = (alias, code, description, SHORTENED)
    return list(seen.values())


# -- the index -----------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Candidate:
    """The nearest alias of a query: its code, concept and cosine similarity."""

    code: str
    concept: str
    alias: str
    origin: str
    score: float


class CandidateIndex:
    """Character 3-gram TF-IDF vectors of the aliases; nearest neighbours by cosine."""

    def __init__(self, aliases: list[str], codes: list[str], concepts: list[str],
                 origins: list[str], vocabulary: list[str], idf: np.ndarray,
                 matrix_t: scipy.sparse.csr_matrix) -> None:
        self.aliases, self.codes, self.concepts, self.origins = aliases, codes, concepts, origins
        self.vocabulary = vocabulary
        self.columns = {gram: i for i, gram in enumerate(vocabulary)}
        self.idf = idf
        self.unknown_idf = float(idf.max()) if len(idf) else 1.0
        self.matrix_t = matrix_t  # (3-gram x alias), columns L2-normalised

    def __len__(self) -> int:
        return len(self.aliases)

    @classmethod
    def build(cls, entries: Sequence[tuple[str, str, str, str]]) -> CandidateIndex:
        import numpy as np
        import scipy.sparse

        columns: dict[str, int] = {}
        rows, cols = [], []
        for row, (alias, *_rest) in enumerate(entries):
            for gram in trigrams(alias):
                rows.append(row)
                cols.append(columns.setdefault(gram, len(columns)))
        counts = scipy.sparse.csr_matrix(
            (np.ones(len(rows), dtype=np.float32), (np.array(rows), np.array(cols))),
            shape=(len(entries), len(columns)))
        counts.sum_duplicates()
        df = np.bincount(counts.indices, minlength=len(columns))
        idf = (np.log((1 + len(entries)) / (1 + df)) + 1).astype(np.float32)
        weighted = counts.multiply(idf).tocsr()
        norms = np.sqrt(np.asarray(weighted.multiply(weighted).sum(axis=1)).ravel())
        weighted = scipy.sparse.diags(1 / np.maximum(norms, 1e-12)) @ weighted
        vocabulary = sorted(columns, key=columns.__getitem__)
        return cls([e[0] for e in entries], [e[1] for e in entries], [e[2] for e in entries],
                   [e[3] for e in entries], vocabulary, idf,
                   weighted.T.tocsr().astype(np.float32))

    def vectors(self, normals: Sequence[str]) -> scipy.sparse.csr_matrix:
        """Query vectors (rows), normalised with their unknown 3-grams counted."""
        import numpy as np
        import scipy.sparse

        data: list[float] = []
        indices: list[int] = []
        indptr = [0]
        for normal in normals:
            counts: dict[int, int] = {}
            unknown = 0
            for gram in trigrams(normal):
                column = self.columns.get(gram)
                if column is None:
                    unknown += 1
                else:
                    counts[column] = counts.get(column, 0) + 1
            weights = [n * float(self.idf[c]) for c, n in counts.items()]
            norm = (sum(w * w for w in weights) + unknown * self.unknown_idf ** 2) ** 0.5
            if norm:
                indices.extend(counts)
                data.extend(w / norm for w in weights)
            indptr.append(len(indices))
        return scipy.sparse.csr_matrix(
            (np.array(data, dtype=np.float32), np.array(indices, dtype=np.int32),
             np.array(indptr, dtype=np.int64)), shape=(len(normals), len(self.vocabulary)))

    def nearest(self, normals: Sequence[str], k: int = 1,
                batch: int = 256) -> list[list[Candidate]]:
        """The ``k`` nearest aliases of each normalised query, best first."""
        import numpy as np

        found: list[list[Candidate]] = []
        for begin in range(0, len(normals), batch):
            scores = (self.vectors(normals[begin : begin + batch]) @ self.matrix_t).tocsr()
            for row in range(scores.shape[0]):
                lo, hi = scores.indptr[row], scores.indptr[row + 1]
                values, columns = scores.data[lo:hi], scores.indices[lo:hi]
                if len(values) > k:
                    top = np.argpartition(-values, k - 1)[:k]
                    values, columns = values[top], columns[top]
                # best first; ties to the better alias (the lower row)
                order = np.lexsort((columns, -values))
                found.append([self.candidate(int(columns[i]), float(values[i]))
                              for i in order[:k]])
        return found

    def candidate(self, row: int, score: float) -> Candidate:
        return Candidate(self.codes[row], self.concepts[row], self.aliases[row],
                         self.origins[row], round(min(score, 1.0), 4))

    # -- the cache file: plain arrays, no pickle --------------------------------------
    def to_arrays(self) -> dict[str, np.ndarray]:
        import numpy as np

        strings = {"aliases": self.aliases, "codes": self.codes, "concepts": self.concepts,
                   "origins": self.origins, "vocabulary": self.vocabulary}
        return {"format": np.array([FORMAT]),
                "strings": np.frombuffer(json.dumps(strings).encode("utf-8"), dtype=np.uint8),
                "idf": self.idf, "data": self.matrix_t.data, "indices": self.matrix_t.indices,
                "indptr": self.matrix_t.indptr, "shape": np.array(self.matrix_t.shape)}

    @classmethod
    def from_arrays(cls, arrays: Any) -> CandidateIndex:
        import scipy.sparse

        if int(arrays["format"][0]) != FORMAT:
            raise ValueError(f"cache format {int(arrays['format'][0])}, expected {FORMAT}")
        strings = json.loads(arrays["strings"].tobytes().decode("utf-8"))
        matrix_t = scipy.sparse.csr_matrix(
            (arrays["data"], arrays["indices"], arrays["indptr"]),
            shape=tuple(int(n) for n in arrays["shape"]))
        return cls(strings["aliases"], strings["codes"], strings["concepts"],
                   strings["origins"], strings["vocabulary"], arrays["idf"], matrix_t)


def cache_file() -> Path:
    """Where the index of these vocabularies is cached (found without importing them)."""
    versions = f"{package_version('trialnlp')}|{package_version(ICD_DISTRIBUTION)}"
    digest = hashlib.sha256(f"{FORMAT}|{versions}".encode())
    for name in ("conditions.jsonl", RULES):
        digest.update(rule_path(name).read_bytes())
    return cache_dir() / f"condition-candidates-{digest.hexdigest()[:16]}.npz"


def _read(path: Path) -> CandidateIndex | None:
    import numpy as np

    try:
        with np.load(path, allow_pickle=False) as arrays:
            return CandidateIndex.from_arrays(arrays)
    except (OSError, ValueError, KeyError):
        return None


def _write(path: Path, index: CandidateIndex) -> None:
    import numpy as np

    if not write_atomically(path, lambda temporary: np.savez(temporary, **index.to_arrays()),
                            suffix=".tmp.npz"):  # (np.savez adds .npz to other names)
        return
    with contextlib.suppress(OSError):
        for stale in path.parent.glob("condition-candidates-*.npz"):
            if stale != path:  # of other versions of the vocabularies or rules
                stale.unlink()


@cache
def candidate_index() -> CandidateIndex:
    """The index, from the cache file, else built (and cached) now."""
    path = cache_file()
    index = _read(path) if path.is_file() else None
    if index is None:
        index = CandidateIndex.build(knowledge_base())
        _write(path, index)
    return index


# -- accepting candidates ------------------------------------------------------------

class ConditionCoder:
    """Batched, cached ICD-10-CM coding of condition names by the accepted candidate.

    Remembers the answers for the last ``cache_size`` names (criteria repeat across
    trials); the answer for a name depends on that name only.
    """

    def __init__(self, index: CandidateIndex | None = None, rules: CandidateRules | None = None,
                 cache_size: int = 50_000) -> None:
        self._index = index
        self.rules = rules or candidate_rules()
        self.cache_size = cache_size
        self._cache: dict[str, Candidate | None] = {}
        self._lock = threading.Lock()

    @property
    def index(self) -> CandidateIndex:
        if self._index is None:
            self._index = candidate_index()
        return self._index

    def queryable(self, text: str, normal: str) -> bool:
        """Whether a name may be coded at all (``min_letters``, ``max_words``, ``never``,
        ``abbreviation_letters``: the 3-grams of ``PRCA`` or ``MCL`` say nothing)."""
        rules = self.rules
        return (letters(normal) >= rules.min_letters
                and len(normal.split()) <= rules.max_words
                and normal not in rules.never
                and not (" " not in text.strip() and text.isupper()
                         and letters(text) <= rules.abbreviation_letters))

    def accept(self, normal: str, candidates: Sequence[Candidate]) -> Candidate | None:
        """The nearest candidate at ``threshold`` or above; else the nearest misspelling
        (see :class:`CandidateRules`); else None."""
        rules = self.rules
        if not candidates:
            return None
        for candidate in candidates:
            if candidate.score < rules.threshold:
                break
            if matches(normal, candidate.alias, rules):
                return candidate
        limit = min(rules.max_edits, letters(normal) // rules.letters_per_edit)
        if limit < 1:
            return None
        for candidate in candidates:
            if candidate.score >= rules.misspelling_threshold and \
                    edits(normal, candidate.alias, limit) <= limit and \
                    matches(normal, candidate.alias, rules):
                return candidate
        return None

    def best(self, texts: Sequence[str]) -> list[Candidate | None]:
        """The accepted candidate of each name (None: none accepted)."""
        known = self._cache
        missing = list(dict.fromkeys(t for t in texts if t not in known))
        fresh: dict[str, Candidate | None] = {}
        asked: dict[str, str] = {}  # text -> its normal form
        for text in missing:
            normal = normalise(text, self.rules)
            if self.queryable(text, normal):
                asked[text] = normal
            else:
                fresh[text] = None
        if asked:
            normals = list(dict.fromkeys(asked.values()))
            nearest = dict(zip(normals, self.index.nearest(normals, k=self.rules.candidates),
                               strict=True))
            for text, normal in asked.items():
                fresh[text] = self.accept(normal, nearest[normal])
        if fresh:
            with self._lock:
                known.update(fresh)
                for oldest in list(islice(known, max(0, len(known) - self.cache_size))):
                    del known[oldest]
        return [fresh[t] if t in fresh else known.get(t) for t in texts]


@cache
def condition_coder() -> ConditionCoder:
    return ConditionCoder()


EXACT, FUZZY = "exact", "fuzzy"


def code_constraints(constraints: Sequence[Constraint], coder: ConditionCoder | None = None,
                     fuzzy: bool = True) -> None:
    """Say how each constraint was coded, and code conditions no lexicon name coded.

    A coded constraint gets ``code_method="exact"`` (a lexicon or dictionary name); with
    ``fuzzy``, a condition without a code gets the accepted candidate of its name (its
    concept, which for a name no lexicon knows is the text), with ``code_method="fuzzy"``
    and the similarity in ``code_score``.  The constraints are updated in place.
    """
    uncoded = []
    for constraint in constraints:
        if constraint.code is not None:
            if constraint.code_method is None:
                constraint.code_method = EXACT
        elif fuzzy and constraint.kind == "condition":
            uncoded.append(constraint)
    if not uncoded:
        return
    coder = coder or condition_coder()
    found = coder.best([c.concept or c.text for c in uncoded])
    for constraint, candidate in zip(uncoded, found, strict=True):
        if candidate is not None:
            constraint.code = candidate.code
            constraint.concept = candidate.concept
            constraint.code_method = FUZZY
            constraint.code_score = candidate.score
