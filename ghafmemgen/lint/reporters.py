"""Reporters of `ghafmemgen check`: text, json, GitHub workflow commands and SARIF 2.1.0.

Each format is one small function in `REPORTERS` (a lookup table, as check-jsonschema does),
so adding a format never touches the dispatch. Every reporter takes the findings already
sorted plus the same keyword arguments, and most ignore the ones they do not need.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from urllib.parse import quote

from ghafmemgen import __version__
from ghafmemgen.findings import Finding, Severity
from ghafmemgen.lint import ruledocs
from ghafmemgen.lint.registry import RULES

SARIF_SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = ruledocs.HOME_URL  # this tool, not Ghaf
SRCROOT = "%SRCROOT%"
SRCROOT_DESCRIPTION = "The folder ghafmemgen check ran in; relative file names are relative to it."
FINGERPRINT_KEY = "ghafmemgen/v1"

_BOLD, _RESET = "\x1b[1m", "\x1b[0m"
_SEVERITY_COLOR: dict[Severity, str] = {"error": "\x1b[31m", "warning": "\x1b[33m"}

JSONObject = dict[str, object]


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def _suffix(finding: Finding) -> str:
    return f" [profile {finding.profile}]" if finding.profile is not None else ""


# -- text -------------------------------------------------------------------------------


def printable(text: str) -> str:
    """`text` with every character that is not printable written as its Python escape
    (`\\n`, `\\x85`, `\\u2028`, `\\u202e`): a finding is one line, and what a terminal or a
    log viewer shows is what the file holds (no line breaks, no reordering by bidi controls).
    Printable non-ASCII text (`systém`) stays as it is."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode() for c in text)


def _text_line(finding: Finding, *, color: bool) -> str:
    rule: str = finding.rule
    severity: str = finding.severity
    if color:
        rule = f"{_BOLD}{rule}{_RESET}"
        severity = f"{_SEVERITY_COLOR[finding.severity]}{severity}{_RESET}"
    where = f"{printable(finding.file)}:{finding.line}:{finding.column}"
    return f"{where}: {rule} {severity}: {printable(finding.message + _suffix(finding))}"


def text_summary(
    findings: Sequence[Finding],
    *,
    files: int,
    profiles_checked: int,
    not_loaded: int = 0,
    note: str = "",
) -> str:
    """The last line of the text report: `files` counts the files read, `profiles_checked`
    the variants checked (the base fleet counts as one), `not_loaded` the files that failed
    to load (none of their profiles was checked); `note` says what the check left out."""
    detail = [f"{_plural(profiles_checked, 'profile')} checked"]
    if not_loaded:
        detail.append(f"{_plural(not_loaded, 'file')} not loaded")
    tail = f"; {note}" if note and profiles_checked else ""
    scope = f"{_plural(files, 'file')} ({', '.join(detail)}{tail})"
    if not findings:
        return f"All checks passed: {scope}."
    errors = sum(1 for f in findings if f.severity == "error")
    counts = [(errors, "error"), (len(findings) - errors, "warning")]
    found = " and ".join(_plural(n, word) for n, word in counts if n)
    return f"Found {found} in {scope}."


def _text(
    findings: Sequence[Finding],
    *,
    files: Sequence[str],
    profiles_checked: int,
    color: bool,
    not_loaded: int = 0,
    note: str = "",
) -> str:
    lines = [_text_line(f, color=color) for f in findings]
    summary = text_summary(
        findings,
        files=len(files),
        profiles_checked=profiles_checked,
        not_loaded=not_loaded,
        note=note,
    )
    return "\n".join([*lines, summary]) + "\n"


# -- json -------------------------------------------------------------------------------


def _json(findings: Sequence[Finding], **_: object) -> str:
    # Spelled out instead of dataclasses.asdict so the key order is part of the contract.
    rows = [
        {
            "rule": f.rule,
            "severity": f.severity,
            "message": f.message,
            "file": f.file,
            "line": f.line,
            "column": f.column,
            "path": f.path,
            "profile": f.profile,
        }
        for f in findings
    ]
    return json.dumps(rows, indent=2) + "\n"


# -- GitHub Actions workflow commands -------------------------------------------------


def escape_data(value: str) -> str:
    """@actions/core `escapeData`: the message after `::`."""
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _github_text(value: str) -> str:
    """escape_data after `printable` for everything but CR and LF, which GitHub's own %0D and
    %0A carry (a file name keeps pointing at its file)."""
    return escape_data(
        "\n".join("\r".join(map(printable, line.split("\r"))) for line in value.split("\n"))
    )


def escape_property(value: str) -> str:
    """@actions/core `escapeProperty`: `:` and `,` would end the property otherwise."""
    return _github_text(value).replace(":", "%3A").replace(",", "%2C")


def _github(findings: Sequence[Finding], **_: object) -> str:
    """One `::error`/`::warning` command per finding and nothing else.

    No summary line (GitHub would print it as noise); zero findings give the empty string,
    without a newline, so `ghafmemgen check --format github` is silent when all is well.
    """
    lines = []
    for f in findings:
        props = {"file": f.file, "line": str(f.line), "col": str(f.column), "title": f.rule}
        rendered = ",".join(f"{k}={escape_property(v)}" for k, v in props.items())
        lines.append(f"::{f.severity} {rendered}::{_github_text(f.message + _suffix(f))}")
    return "".join(line + "\n" for line in lines)


# -- SARIF 2.1.0 ------------------------------------------------------------------------


def rule_name(summary: str, rule_id: str) -> str:
    """CamelCase identifier from the summary; keeps inner capitals (`deflateOnOOM`)."""
    words = re.findall(r"[A-Za-z0-9]+", summary)
    return "".join(w[:1].upper() + w[1:] for w in words) or rule_id


def _sarif_rules() -> list[JSONObject]:
    """Every rule, with what GitHub code scanning requires of one (`fullDescription`, `help`):
    its page, the one `ghafmemgen rule` prints, and where that page is in the manual."""
    rules: list[JSONObject] = []
    for rule in RULES.values():
        page = ruledocs.page(rule, absolute_links=True)
        source = ruledocs.page(rule, absolute_links=True, rendered=False)
        rules.append(
            {
                "id": rule.id,
                "name": rule_name(rule.summary, rule.id),
                "shortDescription": {"text": rule.summary},
                "fullDescription": {"text": ruledocs.full_description(rule)},
                "help": {"text": ruledocs.plain_text(source), "markdown": page},
                "helpUri": ruledocs.help_uri(rule.id),
                "defaultConfiguration": {"level": rule.severity},
            }
        )
    return rules


def artifact_location(file: str, *, cwd: str) -> dict[str, str]:
    """Where a finding's file is, as the command line named it: a relative path (or an
    absolute one inside the working folder) is a URI reference relative to %SRCROOT%, an
    absolute path elsewhere a file:// URI. Nothing depends on where the working folder is,
    so the same check from two clones gives the same bytes."""
    if os.path.isabs(file):
        relative = os.path.relpath(file, cwd)
        if relative == os.pardir or relative.startswith(os.pardir + os.sep):
            return {"uri": Path(os.path.normpath(file)).as_uri()}
    else:
        relative = os.path.normpath(file)  # folds `sub/..` and `./` as abspath would
    # Quote the bytes: a file name that is not UTF-8 becomes %FF, like Path.as_uri() does.
    return {"uri": quote(os.fsencode(Path(relative).as_posix())), "uriBaseId": SRCROOT}


def fingerprint(finding: Finding, uri: str) -> str:
    # No line number: the alert must survive edits above it. The file keeps equal JSON
    # paths in different files apart.
    import hashlib  # SARIF only: OpenSSL's start-up is not for every check

    key = "\0".join((finding.rule, uri, finding.path, finding.profile or ""))
    return hashlib.sha256(key.encode()).hexdigest()


def _sarif_result(finding: Finding, *, cwd: str, index: dict[str, int]) -> JSONObject:
    location = artifact_location(finding.file, cwd=cwd)
    result: JSONObject = {"ruleId": finding.rule}
    if finding.rule in index:
        result["ruleIndex"] = index[finding.rule]
    result["level"] = finding.severity
    result["message"] = {"text": finding.message + _suffix(finding)}
    # The schema requires 1-based positions; clamp so a stray 0 cannot invalidate the log.
    region = {"startLine": max(1, finding.line), "startColumn": max(1, finding.column)}
    result["locations"] = [
        {
            "physicalLocation": {"artifactLocation": location, "region": region},
            "logicalLocations": [{"fullyQualifiedName": finding.path}],
        }
    ]
    result["partialFingerprints"] = {FINGERPRINT_KEY: fingerprint(finding, location["uri"])}
    if finding.profile is not None:
        result["properties"] = {"profile": finding.profile}
    return result


def _sarif(findings: Sequence[Finding], **_: object) -> str:
    cwd = os.getcwd()
    index = {rid: i for i, rid in enumerate(RULES)}
    driver: JSONObject = {
        "name": "ghafmemgen",
        "version": __version__,
        "informationUri": INFORMATION_URI,
        "rules": _sarif_rules(),
    }
    run: JSONObject = {
        "tool": {"driver": driver},
        # No base URI: it would be the absolute working folder, different in every clone and
        # CI runner. GitHub resolves %SRCROOT% to the repository's checkout.
        "originalUriBaseIds": {SRCROOT: {"description": {"text": SRCROOT_DESCRIPTION}}},
        "columnKind": "unicodeCodePoints",
        "results": [_sarif_result(f, cwd=cwd, index=index) for f in findings],
    }
    log = {"$schema": SARIF_SCHEMA_URI, "version": "2.1.0", "runs": [run]}
    return json.dumps(log, indent=2) + "\n"


# -- dispatch ---------------------------------------------------------------------------

REPORTERS: dict[str, Callable[..., str]] = {
    "text": _text,
    "json": _json,
    "github": _github,
    "sarif": _sarif,
}


def render_findings(
    findings: Sequence[Finding],
    *,
    fmt: str,
    files: Sequence[str],
    profiles_checked: int = 1,
    not_loaded: int = 0,
    note: str = "",
    color: bool = False,
) -> str:
    """Render `findings` in format `fmt` (a key of REPORTERS).

    The result ends with a newline, except the `github` format with no findings, which
    is the empty string. `files` are the files read; the text summary counts them, the
    profiles checked and the files `not_loaded`, and adds `note`.
    """
    try:
        reporter = REPORTERS[fmt]
    except KeyError:
        raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(REPORTERS)}") from None
    # Finding.sort_key first; path and severity break the last ties so any permutation of
    # the same findings renders byte-identically.
    ordered = sorted(findings, key=lambda f: (f.sort_key(), f.path, f.severity))
    return reporter(
        ordered,
        files=files,
        profiles_checked=profiles_checked,
        not_loaded=not_loaded,
        note=note,
        color=color,
    )
