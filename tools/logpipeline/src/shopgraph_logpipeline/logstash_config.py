"""Check a Logstash pipeline against the documented options of the plugins it uses.

Logstash itself cannot run here (no package for Debian 12, no jar on Maven Central), so its
`--config.test_and_exit` is out of reach. Instead: lscl, a real parser of Logstash's config
language, reads the file, and every plugin, option and codec must appear in
logstash/plugin-options.json, a committed list taken from the Logstash 8.x plugin pages.
"""

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from lscl.lang import LsclAttribute, LsclBlock, LsclConditions
from lscl.parser import parse_lscl

from shopgraph_logpipeline.assets import LOGSTASH_DIR, load_json

SECTIONS = ("input", "filter", "output")
SECRET_OPTIONS = ("password", "api_key", "cloud_auth", "user", "ssl_key_passphrase")
_ENV_REFERENCE = re.compile(r"^\$\{[A-Z][A-Z0-9_]*(:[^}]*)?\}$")


def documented_options(path: Path = LOGSTASH_DIR / "plugin-options.json") -> dict[str, Any]:
    return load_json(path)


def plugins(text: str) -> Iterator[tuple[str, LsclBlock]]:
    """(section, plugin block) for every plugin, inside conditionals too."""
    for section in parse_lscl(text):
        if not isinstance(section, LsclBlock) or section.name not in SECTIONS:
            raise ValueError(f"unexpected top-level element {section!r}")
        yield from ((section.name, block) for block in _blocks(section.content))


def _blocks(content: Any) -> Iterator[LsclBlock]:
    for item in content:
        if isinstance(item, LsclBlock):
            yield item
        elif isinstance(item, LsclConditions):
            for _condition, branch in item.conditions:
                yield from _blocks(branch)
            if item.default:
                yield from _blocks(item.default)


def problems(text: str, documented: dict[str, Any] | None = None) -> list[str]:
    """Every plugin, option, value or codec the documentation does not have."""
    docs = documented or documented_options()
    found: list[str] = []
    for section, block in plugins(text):
        plugin = docs[section].get(block.name)
        if plugin is None:
            found.append(f"{section} plugin {block.name!r} is not in the documented list")
            continue
        allowed = set(plugin["options"]) | set(docs["common"][section]["options"])
        for item in block.content:
            if not isinstance(item, LsclAttribute):
                found.append(f"{section}/{block.name}: nested {item!r} (not a plugin option)")
                continue
            where = f"{section}/{block.name}.{item.name}"
            if item.name not in allowed:
                found.append(f"{where} is not a documented option")
            choices = plugin.get("choices", {}).get(item.name)
            if choices and str(item.content) not in choices:
                found.append(f"{where} = {item.content!r}, documented values: {choices}")
            if item.name == "codec" and str(item.content) not in docs["codec"]:
                found.append(f"{where}: codec {item.content!r} is not in the documented list")
            if item.name in SECRET_OPTIONS and not _ENV_REFERENCE.match(str(item.content)):
                found.append(f"{where} must come from the environment (${{VAR}}), not the file")
    return found
