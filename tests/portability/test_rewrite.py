"""The rewrite to Harbor: `HOST/<project>/<repository>` with the tag and digest kept, two source registries never
merged into one Harbor path, and a diff whose every line a reviewer can read."""

from __future__ import annotations

from analysis.portability.references import scan
from analysis.portability.rewrite import rewrite_files, unified_diff

EAST = "111111111111.dkr.ecr.us-east-1.amazonaws.com"
WEST = "222222222222.dkr.ecr.eu-west-1.amazonaws.com"
DIGEST = "sha256:" + "a" * 64


def test_tag_and_digest_are_kept_and_a_flat_name_goes_to_library(tmp_path):
    (tmp_path / "deploy.yaml").write_text(f"image: {EAST}/payments/api:1.2\nsidecar: {EAST}/proxy@{DIGEST}\n")
    files = rewrite_files(tmp_path, scan([tmp_path]), "harbor.example.com/")  # a trailing slash is dropped
    old, new = files["deploy.yaml"]
    assert new == f"image: harbor.example.com/payments/api:1.2\nsidecar: harbor.example.com/library/proxy@{DIGEST}\n"


def test_the_same_name_in_two_registries_gets_two_harbor_paths(tmp_path):
    (tmp_path / "a.yaml").write_text(f"image: {EAST}/team/web:1\n")
    (tmp_path / "b.yaml").write_text(f"image: {WEST}/team/web:1\n")
    files = rewrite_files(tmp_path, scan([tmp_path]), "h.example")
    # the first source by account keeps `team`; the other moves to `<project>-<account>-<region>`
    assert files["a.yaml"][1] == "image: h.example/team/web:1\n"
    assert files["b.yaml"][1] == "image: h.example/team-222222222222-eu-west-1/web:1\n"


def test_the_diff_is_git_style_with_the_missing_newline_marked(tmp_path):
    (tmp_path / "x.yaml").write_text(f"image: {EAST}/solo:3")
    diff = unified_diff(rewrite_files(tmp_path, scan([tmp_path]), "h.example"))
    assert diff == (
        "--- a/x.yaml\n"
        "+++ b/x.yaml\n"
        "@@ -1 +1 @@\n"
        f"-image: {EAST}/solo:3\n"
        "\\ No newline at end of file\n"
        "+image: h.example/library/solo:3\n"
        "\\ No newline at end of file\n"
    )


def test_files_without_rewritable_references_are_left_out(tmp_path):
    (tmp_path / "other.yaml").write_text("image: docker.io/library/nginx:1.27\n")
    (tmp_path / "tpl.yaml").write_text("image: {{ .Values.registry }}/api:1\n")
    assert unified_diff(rewrite_files(tmp_path, scan([tmp_path]), "h.example")) == ""
