"""The read side: each query answers for one `(as_of, known_at)` pair with the JSON shapes the README
gives, and charts walk the same answers over many days (`over_time`)."""

from ledger.projections.events import changes, keys, replay
from ledger.projections.measures import TariffLayers, controls, shows_control, tariffs
from ledger.projections.views import Keyed, Views, keyed, negotiations, trade_flows, truces

__all__ = [
    "Keyed",
    "TariffLayers",
    "Views",
    "changes",
    "controls",
    "keyed",
    "keys",
    "negotiations",
    "replay",
    "shows_control",
    "tariffs",
    "trade_flows",
    "truces",
]
