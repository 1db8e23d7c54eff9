"""PNG charts for the monthly report, readable when printed in black and white.

This month and the month before are told apart by fill and hatching, not by colour; every bar carries its
number. Counts from 1 to 4 get no bar, only the label "<5", so a bar's length never tells them apart.
"""

import io

from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from bot import figures as f
from bot.models import Attachment

THIS_MONTH = {"facecolor": "0.55", "edgecolor": "black", "hatch": "///", "linewidth": 0.8}
MONTH_BEFORE = {"facecolor": "white", "edgecolor": "black", "hatch": "..", "linewidth": 0.8}


def _drawn(value: int) -> int:
    return 0 if 0 < value < f.SMALL else value


def _bars(ax, labels: list[str], now: list[int], before: list[int], legend: tuple[str, str]) -> None:
    height = 0.38
    # From the drawn bars only: an axis ending at 4.6 would give a hidden "<5" away.
    top = max([_drawn(v) for v in (*now, *before)] + [f.SMALL])
    for offset, values, style, name in (
        (-height / 2, now, THIS_MONTH, legend[0]),
        (height / 2, before, MONTH_BEFORE, legend[1]),
    ):
        positions = [i + offset for i in range(len(labels))]
        ax.barh(positions, [_drawn(v) for v in values], height=height, label=name, **style)
        for y, value in zip(positions, values, strict=True):
            ax.text(_drawn(value) + top * 0.01, y, f.shown(value), va="center", fontsize=9)
    ax.set_yticks(range(len(labels)), labels, fontsize=9)
    ax.invert_yaxis()
    ax.set_xlim(0, top * 1.15)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.xaxis.grid(True, linestyle=":", color="0.6")
    ax.set_axisbelow(True)
    ax.spines[["top", "right"]].set_visible(False)
    ax.legend(loc="lower right", fontsize=8, frameon=True)


def _png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=120)
    return buffer.getvalue()


def render_charts(report, stem: str) -> list[Attachment]:
    tr, now, before = report.tr, report.current, report.previous
    legend = (report.month_name(now.month), report.month_name(before.month))
    charts = []

    keys = [
        (f.PEOPLE, tr.gettext("Distinct people")),
        (f.CHATS, tr.gettext("Chats (days)")),
        (f.TICKETS, tr.gettext("Tickets")),
        (f.ATTENDED, tr.gettext("Appointments attended")),
        (f.HOME_VISITS, tr.gettext("Home visits")),
        (f.MISSED, tr.gettext("Missed appointments")),
        (f.UNRESOLVED, tr.gettext("Unanswered questions")),
    ]
    figure = Figure(figsize=(8, 4.8))
    ax = figure.add_subplot()
    _bars(
        ax, [label for _, label in keys], [now.totals[k] for k, _ in keys], [before.totals[k] for k, _ in keys], legend
    )
    ax.set_title(tr.gettext("Contacts: {scope}").format(scope=report.scope), fontsize=11)
    ax.set_xlabel(tr.gettext("Number"))
    figure.tight_layout()
    charts.append(Attachment(f"{stem}-contacts.png", _png(figure), "image/png"))

    figure = Figure(figsize=(8, 6.4))
    for index, (counts_now, counts_before, name_of, title) in enumerate(
        (
            (now.languages, before.languages, report.language_name, tr.gettext("People by language")),
            (now.offices, before.offices, report.office_name, tr.gettext("People by office")),
        )
    ):
        ax = figure.add_subplot(2, 1, index + 1)
        keys_ranked = sorted(set(counts_now) | set(counts_before), key=lambda k: (-counts_now[k], k)) or [""]
        _bars(
            ax,
            [name_of(k) for k in keys_ranked],
            [counts_now[k] for k in keys_ranked],
            [counts_before[k] for k in keys_ranked],
            legend,
        )
        ax.set_title(title, fontsize=11)
    figure.tight_layout()
    charts.append(Attachment(f"{stem}-people.png", _png(figure), "image/png"))

    figure = Figure(figsize=(8, 7.2))
    ax = figure.add_subplot(3, 1, (1, 2))
    topics = sorted(set(now.topics) | set(before.topics), key=lambda k: (-now.topics[k], -before.topics[k], k))
    topics = topics[:10] or [""]
    _bars(ax, topics, [now.topics[k] for k in topics], [before.topics[k] for k in topics], legend)
    ax.set_title(tr.gettext("Most asked topics (answers the bot gave)"), fontsize=11)
    ax = figure.add_subplot(3, 1, 3)
    ratings = [
        (f.RATING_UP, tr.gettext("helped (thumbs up)")),
        (f.RATING_DOWN, tr.gettext("did not help (thumbs down)")),
        (f.RATING_NONE, tr.gettext("not rated")),
    ]
    _bars(
        ax,
        [label for _, label in ratings],  # no emoji: the chart's font has none
        [now.totals[k] for k, _ in ratings],
        [before.totals[k] for k, _ in ratings],
        legend,
    )
    ax.set_title(tr.gettext("Ratings after closed tickets"), fontsize=11)
    figure.tight_layout()
    charts.append(Attachment(f"{stem}-topics.png", _png(figure), "image/png"))
    return charts
