"""Every colour map (app/components/tones.py) speaks of stored values: a key that is no stored
value (a typo, a renamed state) would leave that state grey without a word."""

from app.components import labels, tones
from app.models.enums import MaintenanceState
from app.rules.maintenance import DAY_STATES

# Radix Themes' colour scales, and the grey every map falls back to.
RADIX_COLOURS = {"gray", "gold", "bronze", "brown", "yellow", "amber", "orange", "tomato", "red", "ruby", "crimson",
                 "pink", "plum", "purple", "violet", "iris", "indigo", "blue", "cyan", "teal", "jade", "green",
                 "grass", "lime", "mint", "sky"}


def test_every_tone_is_of_a_stored_value_that_has_a_label_and_a_radix_colour():
    for tone_map, label_map in [(tones.SERVICE_STATUS, labels.SERVICE_STATUS),
                                (tones.MESSAGE_TYPE, labels.MESSAGE_TYPE),
                                (tones.PRESENCE, labels.PRESENCE), (tones.CHAT_STATUS, labels.CHAT_STATUS),
                                (tones.TASK_STATUS, labels.TASK_STATUS), (tones.TOKEN_STATE, labels.TOKEN_STATE)]:
        assert set(tone_map) <= set(label_map), set(tone_map) - set(label_map)
        assert set(tone_map.values()) <= RADIX_COLOURS, tone_map
    assert tones.DEFAULT in RADIX_COLOURS


def test_every_message_type_and_presence_has_its_own_tone():
    assert set(tones.MESSAGE_TYPE) == set(labels.MESSAGE_TYPE)
    assert set(tones.PRESENCE) == set(labels.PRESENCE)


def test_every_maintenance_window_state_and_uptime_day_has_its_own_tone():
    assert set(tones.WINDOW_STATE) == {state.value for state in MaintenanceState}
    assert set(tones.WINDOW_STATE.values()) <= RADIX_COLOURS
    assert set(tones.UPTIME_DAY) == set(DAY_STATES)
