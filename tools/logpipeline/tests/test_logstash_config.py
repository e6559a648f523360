"""The Logstash pipeline parses, and uses only documented Logstash 8.x plugins and options."""

import pytest
import yaml
from lscl.parser import UnexpectedLsclToken

from shopgraph_logpipeline.assets import LOGSTASH_DIR
from shopgraph_logpipeline.logstash_config import plugins, problems

PIPELINE = (LOGSTASH_DIR / "pipeline" / "shopgraph-logs.conf").read_text()


def test_the_pipeline_uses_only_documented_plugins_and_options() -> None:
    assert problems(PIPELINE) == []
    used = {(section, block.name) for section, block in plugins(PIPELINE)}
    assert used == {("input", "beats"), ("input", "tcp"), ("output", "elasticsearch")}


@pytest.mark.parametrize(
    ("before", "after", "complaint"),
    [
        ("port => 5044", "portz => 5044", "input/beats.portz is not a documented option"),
        ("codec => json_lines", "codec => jsonlines", "codec 'jsonlines'"),
        ("tcp {", "udp {", "input plugin 'udp'"),
        ('data_stream => "true"', 'data_stream => "yes"', "documented values"),
        ('"${ELASTICSEARCH_PASSWORD}"', '"changeme"', "must come from the environment"),
    ],
)
def test_a_wrong_plugin_option_or_secret_is_refused(
    before: str, after: str, complaint: str
) -> None:
    assert before in PIPELINE
    found = problems(PIPELINE.replace(before, after, 1))
    assert any(complaint in line for line in found), found


def test_options_inside_conditionals_are_checked_too() -> None:
    text = PIPELINE.replace(
        "output {", 'output {\n  if [log][level] == "debug" { elasticsearch { hostz => "x" } }', 1
    )
    assert problems(text) == ["output/elasticsearch.hostz is not a documented option"]


def test_a_syntax_error_does_not_parse() -> None:
    with pytest.raises(UnexpectedLsclToken):
        list(plugins(PIPELINE.replace("port => 5000", "port => 5000 {", 1)))


def test_pipelines_yml_names_the_committed_pipeline_files() -> None:
    pipelines = yaml.safe_load((LOGSTASH_DIR / "pipelines.yml").read_text())
    image_dir = "/usr/share/logstash/pipeline/"
    for pipeline in pipelines:
        path = pipeline["path.config"]
        assert path.startswith(image_dir), path
        assert (LOGSTASH_DIR / "pipeline" / path.removeprefix(image_dir)).is_file()
    assert {p["pipeline.id"] for p in pipelines} == {"shopgraph-logs"}
