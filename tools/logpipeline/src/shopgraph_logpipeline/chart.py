"""The logging subchart carries copies of logstash/ (a chart can only read its own files)."""

from pathlib import Path

from shopgraph_logpipeline.assets import CHART_DIR, LOGSTASH_DIR

CHART_FILES = CHART_DIR / "files" / "logstash"


def copies() -> list[tuple[Path, Path]]:
    """(source, copy in the chart) for every Logstash file the chart ships."""
    sources = [LOGSTASH_DIR / "logstash.yml", LOGSTASH_DIR / "pipelines.yml"]
    sources += sorted((LOGSTASH_DIR / "pipeline").glob("*.conf"))
    return [(src, CHART_FILES / src.relative_to(LOGSTASH_DIR)) for src in sources]


def sync(*, check_only: bool = False) -> list[str]:
    """Copy what differs (or only list it); returns the chart paths that were out of date."""
    changed: list[str] = []
    wanted = {dst for _, dst in copies()}
    for src, dst in copies():
        if dst.exists() and dst.read_bytes() == src.read_bytes():
            continue
        changed.append(str(dst.relative_to(CHART_DIR)))
        if not check_only:
            dst.parent.mkdir(parents=True, exist_ok=True)
            dst.write_bytes(src.read_bytes())
    for stray in sorted(CHART_FILES.rglob("*")) if CHART_FILES.exists() else []:
        if stray.is_file() and stray not in wanted:
            changed.append(f"{stray.relative_to(CHART_DIR)} (no longer in logstash/)")
            if not check_only:
                stray.unlink()
    return changed
