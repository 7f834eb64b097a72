"""A figure beside its previous value: the change, whether it is good news, and the Chinese words
a report writes about it ("较上周减少 3 件（−20.0%）", "较上周提高 5.0 个百分点")."""

from dataclasses import dataclass

from roads.reports.figures import Figure

MINUS = "−"  # the typographic minus, as printed reports write it


@dataclass(frozen=True)
class Row:
    figure: Figure
    previous: float | int | None

    @property
    def change(self) -> float | None:
        if self.figure.value is None or self.previous is None:
            return None
        return round(self.figure.value - self.previous, 4)

    @property
    def relative(self) -> float | None:
        """The change as a share of the previous value (None when there is nothing to divide by)."""
        if self.change is None or not self.previous:
            return None
        return self.change / self.previous

    @property
    def verdict(self) -> str:
        """好转, 变差, 持平, or "—" when it cannot be told."""
        if self.change is None:
            return "—"
        if self.change == 0:
            return "持平"
        if self.figure.better == "neither":
            return "—"
        up_is_good = self.figure.better == "higher"
        return "好转" if (self.change > 0) == up_is_good else "变差"


def number(value: float | int | None, unit: str = "") -> str:
    """A value as printed: whole numbers bare, shares with one decimal, others with up to two."""
    if value is None:
        return "—"
    if isinstance(value, int) or (unit != "%" and float(value).is_integer()):
        return f"{int(value)}"
    if unit == "%":
        return f"{value:.1f}"
    return f"{value:.2f}".rstrip("0").rstrip(".")


def with_unit(value: float | int | None, unit: str) -> str:
    if value is None:
        return "暂无数据"
    if unit == "%":
        return f"{number(value, unit)}%"
    return f"{number(value, unit)} {unit}".rstrip()


def signed_percent(share: float) -> str:
    sign = "+" if share > 0 else MINUS
    return f"{sign}{abs(share) * 100:.1f}%"


def change_text(row: Row, previous_word: str) -> str:
    """'较上周减少 3 件（−20.0%）', '较上周提高 5.0 个百分点', '与上周持平', '上周无可比数据'."""
    unit = row.figure.unit_zh
    if row.change is None:
        return f"{previous_word}无可比数据"
    if row.change == 0:
        return f"与{previous_word}持平"
    amount = abs(row.change)
    if unit == "%":
        verb = "提高" if row.change > 0 else "降低"
        return f"较{previous_word}{verb} {amount:.1f} 个百分点"
    verb = "增加" if row.change > 0 else "减少"
    text = f"较{previous_word}{verb} {with_unit(amount, unit)}"
    if row.relative is not None:
        return f"{text}（{signed_percent(row.relative)}）"
    return f"{text}（{previous_word}为 0）"


def change_cell(row: Row) -> str:
    """The table's change column: '+3', '−20.0%' style, with points for shares."""
    if row.change is None:
        return "—"
    if row.change == 0:
        return "0"
    sign = "+" if row.change > 0 else MINUS
    if row.figure.unit_zh == "%":
        return f"{sign}{abs(row.change):.1f} 个百分点"
    text = f"{sign}{number(abs(row.change), row.figure.unit_zh)}"
    return f"{text}（{signed_percent(row.relative)}）" if row.relative is not None else text


def clause(row: Row, previous_word: str) -> str:
    """'新增问题 12 件，较上周减少 3 件（−20.0%）'."""
    figure = row.figure
    if figure.value is None:
        return f"{figure.label_zh}暂无数据"
    return f"{figure.label_zh} {with_unit(figure.value, figure.unit_zh)}，{change_text(row, previous_word)}"


def sentence(rows: list[Row], this_word: str, previous_word: str) -> str:
    """One provider's figures as one sentence: '本周新增问题 12 件，较上周减少 3 件（−20.0%）；…。'"""
    if not rows:
        return ""
    return this_word + "；".join(clause(row, previous_word) for row in rows) + "。"
