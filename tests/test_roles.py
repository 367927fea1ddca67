"""Role words and colours, and the guide's relation titles, each have one source that every writer uses."""

from __future__ import annotations

import pytest

import tconv
from tconv import roles
from tconv.explain import i18n, writers
from tconv.relations import RELATION_TITLES
from tconv.render import style


@pytest.mark.parametrize("role", roles.ROLES)
def test_every_role_has_words_in_every_language_and_one_style(role: str) -> None:
    for lang in i18n.LANGS:
        assert i18n.render(f"role.{role}", lang, {}) == roles.ROLE_WORDS[role][lang] != ""
    fill, stroke, dashed, ink = roles.ROLE_STYLE[role]
    assert writers.CSS[role].startswith(f"background:{fill};border:1px {'dashed' if dashed else 'solid'} {stroke}")
    assert style.ROLE_STYLE[role] == (fill, stroke, dashed, ink)
    assert style.LEGEND_WORDS[role] == roles.ROLE_WORDS[role]["en"]
    assert role in writers.ANSI


def test_the_palette_is_conv_arithmetics() -> None:
    """bin/produce_figure's hues: input RGB (38, 139, 210), output (42, 161, 152); darker, for AA contrast with
    the white numbers on them."""
    import colorsys

    for role, anchor in (("input", (38, 139, 210)), ("output", (42, 161, 152))):
        ours = style.hex_rgb(roles.ROLE_STYLE[role][0])
        h0, _, v0 = colorsys.rgb_to_hsv(*(c / 255 for c in anchor))
        h1, _, v1 = colorsys.rgb_to_hsv(*(c / 255 for c in ours))
        assert abs(h0 - h1) * 360 < 3 and v1 < v0, role
    assert roles.ROLE_STYLE["pad"][2] is True and roles.ROLE_STYLE["pad"][0] == "#ffffff"  # white, dashed


@pytest.mark.parametrize("number", sorted(RELATION_TITLES))
def test_relation_titles_come_from_shapes(number: int) -> None:
    assert i18n.render(f"relation.{number}", "en", {}) == RELATION_TITLES[number]
    assert i18n.render(f"relation.{number}", "zh", {}) == i18n.RELATION_TITLES_ZH[number] != RELATION_TITLES[number]


def test_relations_carry_the_titles() -> None:
    (rel,) = tconv.relation(3, 3, stride=2, padding=1, output_padding=1)
    assert (rel.number, rel.title) == (14, RELATION_TITLES[14])
    (rel,) = tconv.relation(7, 3, transposed=False)
    assert (rel.number, rel.title) == (1, RELATION_TITLES[1])
