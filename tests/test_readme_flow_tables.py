"""The README's tables of the case flow are copies of roads/issues/flow.py's: a permission or
transition table in the README (found by its header row) must be exactly the generated one."""

from pathlib import Path

from roads.issues.flow import permission_table_markdown, transition_table_markdown

README = Path(__file__).resolve().parent.parent / "README.md"


def tables_headed(text: str, header: str) -> list[str]:
    lines = text.splitlines()
    found = []
    for number, line in enumerate(lines):
        if line.strip() == header:
            end = number
            while end < len(lines) and lines[end].startswith("|"):
                end += 1
            found.append("\n".join(lines[number:end]))
    return found


def test_every_copy_of_the_flow_tables_in_the_readme_is_the_generated_one():
    text = README.read_text(encoding="utf-8")
    for generated in (permission_table_markdown(), transition_table_markdown()):
        for copy in tables_headed(text, generated.splitlines()[0]):
            assert copy == generated


def test_the_tables_name_every_role_and_every_transition():
    permissions = permission_table_markdown().splitlines()
    assert len(permissions) == 2 + 9 and "`unit_user`" in permissions[-2]
    assert len(transition_table_markdown().splitlines()) == 2 + 22
